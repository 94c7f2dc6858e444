import { DockerfileError, LineFault } from "../errors.js";
import * as values from "./values.js";

// The value checks as public helpers: same rules, but failing with a DockerfileError.
function wrap<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof LineFault) throw new DockerfileError(e.message, { file: "", startLine: 0, endLine: 0, source: String(args[0]) });
      throw e;
    }
  };
}

/** Go's time.ParseDuration (`30s`, `1m30s`, `500ms`), in nanoseconds. */
export const parseDuration = wrap(values.parseDuration);
/** Throws unless `USER[:GROUP]` (values containing `$` are accepted unchecked). */
export const validateChown = wrap(values.validateChown);
/** Throws unless an octal or symbolic mode (values containing `$` are accepted unchecked). */
export const validateChmod = wrap(values.validateChmod);
/** Throws unless `PORT[-PORT][/tcp|udp|sctp]` (values containing `$` are accepted unchecked). */
export const validatePort = wrap(values.validatePort);
