export { createProgram } from "./program.js";
export { main } from "./main.js";
