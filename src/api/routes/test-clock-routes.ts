// GET/POST /obr/v1/test-clock (OBR_TEST_CLOCK=1 only; otherwise the path does not exist): an
// admin reads the installation's clock and moves it forward, by seconds or to an instant.
// Schedules, expiry and locks read this clock, so "the daily backup expires after 7 days" can be
// tested in seconds. It never moves back: what was stamped stays in the past.
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { Role } from "../../auth/tokens.ts";
import type { TestClock } from "../../domain/clock.ts";
import { AppError } from "../../domain/app-error.ts";

const PATH = "/obr/v1/test-clock";
const ClockSchema = Type.Object({
  now: Type.String({ format: "date-time", description: "the installation's time" }),
  offsetSeconds: Type.Number({ description: "how far ahead of the machine's clock it runs" }),
});
const MoveSchema = Type.Object(
  {
    advanceSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3_153_600_000 })),
    now: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);

export async function testClockRoutes(app: FastifyInstance, clock: TestClock): Promise<void> {
  const config = { minRole: "admin" as Role };
  const tags = ["test clock (obr)"];
  const read = () => ({ now: new Date(clock.now()).toISOString(), offsetSeconds: clock.offsetMs / 1000 });
  app.get(PATH, { config, schema: { tags, summary: "Read the installation's clock (OBR_TEST_CLOCK=1)", response: { 200: ClockSchema } } }, async () => read());
  app.post<{ Body: Static<typeof MoveSchema> }>(
    PATH,
    { config, schema: { tags, summary: "Move the installation's clock forward: {advanceSeconds} or {now}", body: MoveSchema, response: { 200: ClockSchema } } },
    async (request) => {
      const { advanceSeconds, now } = request.body;
      if (advanceSeconds !== undefined) clock.advance(Math.round(advanceSeconds * 1000));
      else if (now !== undefined) clock.set(Date.parse(now));
      else throw AppError.badRequest("give advanceSeconds or now");
      return read();
    },
  );
}
