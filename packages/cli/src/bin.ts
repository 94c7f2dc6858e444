#!/usr/bin/env node
// The unbundled entry (tests, development). Users run bin/strata, which loads the bundle.
import { main } from "./main.js";

await main(process.argv);
