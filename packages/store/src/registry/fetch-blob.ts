import { StrataError, hexOf, type Descriptor } from "@strata/core";
import type { Store } from "../store.js";
import type { ContentWriter } from "../types.js";
import type { Repository } from "./repository.js";

/**
 * Downloads a blob into the content store: through an ingest file, resumed after a dropped
 * connection, and committed only when its size and digest match `desc`. A mismatch stores
 * nothing (the ingest file goes) and is reported as the registry's fault.
 */
export async function fetchBlobToStore(store: Store, repo: Repository, desc: Pick<Descriptor, "digest" | "size">, onBytes?: (n: number) => void): Promise<void> {
  if (await store.content.has(desc.digest)) return;
  const ref = `pull-${hexOf(desc.digest)}`;
  let writer: ContentWriter = await store.content.writer({ ref });
  const tampered = (why: string) =>
    new StrataError("DIGEST_MISMATCH", `pull blob ${desc.digest} from ${repo.name}: ${why}; rejected, nothing stored`, {
      hint: "the registry's copy is corrupt or was changed in transit",
    });
  const sink = {
    get offset() {
      return writer.offset;
    },
    async write(chunk: Uint8Array) {
      if (writer.offset + chunk.length > desc.size) throw tampered(`the registry sent more than the ${desc.size} bytes the manifest lists`);
      await writer.write(chunk);
    },
    async reset() {
      await writer.abort();
      writer = await store.content.writer({ ref });
    },
  };
  try {
    await repo.fetchBlob(desc.digest, sink, onBytes);
    await writer.commit({ digest: desc.digest, size: desc.size });
  } catch (e) {
    await writer.abort();
    if (e instanceof StrataError && e.code === "DIGEST_MISMATCH" && !e.message.includes("rejected")) {
      throw tampered(writer.offset !== desc.size && /size/.test(e.message) ? `the registry sent ${writer.offset} bytes, the manifest lists ${desc.size}` : "its content does not match that digest");
    }
    throw e;
  }
}
