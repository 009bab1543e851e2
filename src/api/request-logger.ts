// Fastify gives every request a child logger bound to its debugId. pino builds one per request
// (bindings serialised up front), a few per cent of a cached GET's CPU, while most requests log
// nothing at an enabled level. This child is built on first real use instead.
import type { FastifyBaseLogger, FastifyServerOptions } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, LogFn, Logger } from "pino";

/** app.log: Fastify's pino child of the configured logger (it adds its serializers), every request logger's parent. */
export type FastifyPinoLogger = FastifyBaseLogger & Pick<Logger, "isLevelEnabled">;
/** Passed through as given: pino tells a message from a merge object by the arguments' count and types. */
type LogArgs = Parameters<LogFn>;

class LazyChildLogger implements FastifyBaseLogger {
  readonly #parent: FastifyPinoLogger;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyPinoLogger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #built(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  /** The child when a call at `level` would write (the child's level is the parent's until set). */
  #at(level: Level): FastifyBaseLogger | undefined {
    return this.#child ?? (this.#parent.isLevelEnabled(level) ? this.#built() : undefined);
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: string) {
    this.#built().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#built().child(bindings, options);
  }

  // Methods on the prototype, not arrow fields: nothing is allocated per request but this object.
  fatal(...args: LogArgs): void {
    this.#at("fatal")?.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.#at("error")?.error(...args);
  }
  warn(...args: LogArgs): void {
    this.#at("warn")?.warn(...args);
  }
  info(...args: LogArgs): void {
    this.#at("info")?.info(...args);
  }
  debug(...args: LogArgs): void {
    this.#at("debug")?.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.#at("trace")?.trace(...args);
  }
  silent(): void {}
}

/** Request loggers built on first use; a route with its own log level or serializers gets pino's child at once. */
export const lazyChildLogger: NonNullable<FastifyServerOptions["childLoggerFactory"]> = (logger, bindings, options) =>
  options.level !== undefined || options.serializers !== undefined ? logger.child(bindings, options) : new LazyChildLogger(logger as FastifyPinoLogger, bindings);
