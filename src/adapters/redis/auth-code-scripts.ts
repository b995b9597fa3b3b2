import type { Cluster, Redis } from "ioredis";

/**
 * The Lua behind RedisAuthCodeStore. Each runs atomically on the one key it names, so
 * concurrent consumes of one code cannot both win, and the key's slot is all that
 * Redis Cluster needs to know.
 */

/**
 * KEYS[1] code key; ARGV[1] requestId, ARGV[2] now (ms).
 * Returns {kind} or {kind, appId, externalUserId, userId, issuedAt, expiresAt}.
 * HSET on an existing hash keeps its TTL, so a spent code lives as long as it would have.
 * Exported for the benchmark's redis-benchmark ceiling, which runs this very script.
 */
export const CONSUME = `
local f = redis.call('HMGET', KEYS[1], 'appId', 'externalUserId', 'userId', 'issuedAt', 'expiresAt', 'consumedBy')
if not f[1] or not f[5] then return {'not_found'} end
if tonumber(f[5]) <= tonumber(ARGV[2]) then return {'not_found'} end
local kind
if not f[6] then
  redis.call('HSET', KEYS[1], 'consumedBy', ARGV[1])
  kind = 'consumed'
elseif f[6] == ARGV[1] then
  kind = 'retry'
else
  return {'already_used'}
end
return {kind, f[1], f[2], f[3] or '', f[4], f[5]}
`;

/**
 * KEYS[1] code key; ARGV[1] lifetime (ms), ARGV[2..] field, value, field, value...
 * DEL first: a re-saved hash must not inherit an old consumedBy. One command where a
 * MULTI of DEL, HSET and PEXPIRE was five (and five replies for ioredis to parse):
 * saving a code is the one Redis write of every RequestAuthCode.
 * Exported for the benchmark's redis-benchmark ceiling, which runs this very script.
 */
export const SAVE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * KEYS[1] revocation key; ARGV[1] revoked-up-to (ms), ARGV[2] horizon (ms).
 * Keeps the later of the stored and the new mark, and the longer of the two lifetimes,
 * so a late or repeated revocation never shortens an earlier one.
 */
const REVOKE_UP_TO = `
local current = redis.call('GET', KEYS[1])
local mark = ARGV[1]
if current and tonumber(current) > tonumber(mark) then mark = current end
local ttl = tonumber(ARGV[2])
local remaining = redis.call('PTTL', KEYS[1])
if remaining > ttl then ttl = remaining end
redis.call('SET', KEYS[1], mark, 'PX', ttl)
return mark
`;

/** The commands `defineAuthCodeScripts` adds; ioredis' typings cannot see them. */
export interface AuthCodeScripts {
  userlinkSaveAuthCode(key: string, ttlMs: string, ...fieldsAndValues: string[]): Promise<number>;
  userlinkConsumeAuthCode(key: string, requestId: string, nowMs: string): Promise<string[]>;
  userlinkRevokeAuthCodesUpTo(key: string, upToMs: string, horizonMs: string): Promise<string>;
}

/**
 * Registers the scripts on `redis` (EVALSHA, falling back to EVAL after a script
 * flush or on a fresh node) and returns the client typed with them.
 */
export function defineAuthCodeScripts(redis: Redis | Cluster): AuthCodeScripts {
  redis.defineCommand("userlinkSaveAuthCode", { numberOfKeys: 1, lua: SAVE });
  redis.defineCommand("userlinkConsumeAuthCode", { numberOfKeys: 1, lua: CONSUME });
  redis.defineCommand("userlinkRevokeAuthCodesUpTo", { numberOfKeys: 1, lua: REVOKE_UP_TO });
  // defineCommand adds methods at run time; this is the one place that says so.
  return redis as unknown as AuthCodeScripts;
}
