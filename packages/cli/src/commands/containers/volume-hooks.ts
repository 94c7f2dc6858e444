import type { ContainerServiceOptions } from "@strata/runner";
import type { Store } from "@strata/store";

/** Where volumes (issue 14) plug into containers; none yet. */
export async function volumeHooks(_root: string, _store: Store): Promise<Partial<ContainerServiceOptions>> {
  return {};
}
