import type { ContainerServiceOptions } from "@strata/runner";
import type { Store } from "@strata/store";

/** Where volumes (issue 14) plug into containers; none yet. */
export async function volumeHooks(_root: string, _store: Store): Promise<Partial<ContainerServiceOptions>> {
  return {};
}

/** Each volume's name, the containers using it and its size, for `system df`. */
export async function volumeUsage(_root: string): Promise<{ name: string; links: number; size: number }[]> {
  return [];
}
