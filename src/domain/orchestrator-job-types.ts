// Job types of data orchestrator operations. The REMOTE ones are queued with the orchestrator as
// their target and run inside that `obr orchestrator` process; the others run in the server.
export const ORCHESTRATOR_JOBS = {
  update: "data-orchestrator.update",
  setRemoteSupport: "data-orchestrator.set-remote-support",
  recover: "data-orchestrator.recover",
  supportBundle: "data-orchestrator.support-bundle",
} as const;

export const REMOTE_ORCHESTRATOR_JOBS = {
  restart: "data-orchestrator.restart",
  shutdown: "data-orchestrator.shutdown",
  supportBundle: "data-orchestrator.remote-support-bundle",
  /** Tests only (OBR_TEST_JOBS=1 on the orchestrator): sleeps, reports progress, succeeds. */
  test: "test.remote",
} as const;
