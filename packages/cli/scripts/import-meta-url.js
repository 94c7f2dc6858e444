// In the CommonJS bundle, `import.meta.url` (used by createRequire in @strata/core to load the
// optional native xattr module) is the bundle's own file URL.
export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;
