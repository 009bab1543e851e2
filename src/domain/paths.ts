// URL paths that more than one layer needs to build references.
export const ASYNC_OPERATIONS_PATH = "/data-services/v1beta1/async-operations";
