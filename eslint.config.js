import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["src/gen/**", "test/gen-es/**", "**/dist/**", "node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The layers of STYLE.md: domain and services know nothing of transports or drivers.
      "no-restricted-imports": "off",
    },
  },
  {
    files: ["src/domain/**", "src/services/**", "src/ports/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/transport/**", "**/adapters/**", "**/gen/**"],
              message: "domain, ports and services do not know transports, adapters or generated code",
            },
            {
              group: [
                "@grpc/*",
                "nice-grpc*",
                "kysely*",
                "pg",
                "ioredis",
                "@electric-sql/*",
                "@opentelemetry/*",
              ],
              message: "domain, ports and services do not know drivers",
            },
          ],
        },
      ],
    },
  },
);
