import { configDefaults, defineConfig } from "vitest/config";

// Four projects: pure unit tests beside the code run once; the integration suite under test/
// runs once per database backend (OBR_TEST_DB), so every HTTP behaviour is proven on both; the
// cloud stores on S3 (test/s3/) run once, on SQLite, against a throwaway RGW (skipped without Ceph).
const integration = (db: "sqlite" | "postgres") => ({
  test: {
    name: db,
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, "test/s3/**"],
    env: { OBR_TEST_DB: db },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    // Most test files wait (servers, child processes, leases, fsync) rather than compute: four
    // files at a time on two cores took npm test from 7 min 09 s to 3 min 53 s, same results.
    maxWorkers: 4,
    globalSetup: ["test/helpers/tiers-setup.ts"],
    projects: [
      // the unit project's store tests also run on S3: one throwaway RGW per run (skipped without Ceph)
      { test: { name: "unit", include: ["src/**/*.test.ts"], testTimeout: 120_000, globalSetup: ["test/helpers/rgw-global-setup.ts"] } },
      integration("sqlite"),
      integration("postgres"),
      {
        test: {
          name: "s3",
          include: ["test/s3/**/*.test.ts"],
          env: { OBR_TEST_DB: "sqlite" },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ["test/helpers/rgw-global-setup.ts"],
        },
      },
    ],
  },
});
