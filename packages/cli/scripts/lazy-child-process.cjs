// Stands in for node:child_process inside commander, which requires it at load time only for
// executable subcommands (strata has none): loading it costs ~1 ms of every start.
let childProcess;
module.exports = {
  spawn: (...args) => (childProcess ??= require("node:child_process")).spawn(...args),
};
