import { Type } from "typebox";

/** The GreenLake error body, shared by every 4xx/5xx response in the OpenAPI document. */
export const ErrorResponseSchema = Type.Object(
  {
    httpStatusCode: Type.Integer(),
    errorCode: Type.String(),
    message: Type.String(),
    debugId: Type.String(),
  },
  { $id: "ErrorResponse" },
);
