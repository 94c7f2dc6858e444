import root from "../vitest.config.js";

/**
 * Micro-measurements that print numbers and assert nothing about time (`*.measure.ts` beside
 * the code they measure): `npm run bench:micro`. They are outside the test glob on purpose:
 * timings belong in bench/, never in the test suite.
 */
export default {
  ...root,
  root: new URL("..", import.meta.url).pathname,
  test: { ...root.test, include: ["packages/*/src/**/*.measure.ts"], fileParallelism: false },
};
