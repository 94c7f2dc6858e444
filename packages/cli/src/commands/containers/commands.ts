// The container commands, loaded on first use of any of them.
export { createCommand, runCommand, startCommand } from "./run.js";
export {
  cleanupCommand,
  killCommand,
  pauseCommand,
  pruneCommand,
  renameCommand,
  restartCommand,
  rmCommand,
  stopCommand,
  unpauseCommand,
  waitCommand,
} from "./lifecycle.js";
export { attachCommand, execCommand, logsCommand, topCommand } from "./io.js";
export { commitCommand, cpCommand, diffCommand, exportCommand } from "./filesystem.js";
export { psCommand } from "./ps.js";
