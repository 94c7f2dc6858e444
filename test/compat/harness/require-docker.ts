import { ensureDockerd } from "@strata/testkit";

/** Docker tests run unless STRATA_SKIP_DOCKER=1 says otherwise; a missing engine then fails, loudly. */
export const SKIP_DOCKER = process.env.STRATA_SKIP_DOCKER === "1";

export async function requireDockerAndRoot(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error("these tests need root (Docker, chown in case setup); run as root or set STRATA_SKIP_DOCKER=1");
  }
  try {
    await ensureDockerd();
  } catch (e) {
    throw new Error(`Docker is required (set STRATA_SKIP_DOCKER=1 to skip these tests explicitly): ${(e as Error).message}`);
  }
}
