import { entryBytes, type LayerEntry, type LayerIndex } from "../layer/entry.js";

/**
 * The bytes of one stored file (an inode): a regular file and the hardlinks to it. They count
 * once, as DiffSize counts them, and are carried for nothing only when every name is gone.
 */
interface Inode {
  entry: LayerEntry;
  layer: number;
  names: number;
}

/** A path of the flattened filesystem and the layer that last wrote it. */
export interface TreeNode {
  entry: LayerEntry;
  layer: number;
  /** For a file or a hardlink: the stored file whose content it has. */
  inode?: Inode;
}

/** A copy a later layer made obsolete: bytes every image carries and nobody can see. */
export interface Superseded {
  path: string;
  bytes: number;
  /** Layer that wrote the copy. */
  layer: number;
  /** Layer whose change made it unreachable. */
  by: number;
  how: "overwritten" | "deleted";
}

export interface FlatTree {
  nodes: Map<string, TreeNode>;
  /** Bytes of the final filesystem, counted as DiffSize counts a layer. */
  bytes: number;
  superseded: Superseded[];
}

/**
 * Stacks layers as overlay and Docker do (OCI whiteouts act on the layers below only; a
 * non-directory replacing a directory drops what was under it) and, on the way, records every
 * copy of a file that a later layer overwrote or deleted, once per superseded copy and never the
 * copy that survives (what dive#684 gets wrong). Children are indexed per directory, so removing
 * a subtree costs its size, not the tree's.
 */
export function flatten(layers: readonly LayerIndex[]): FlatTree {
  const nodes = new Map<string, TreeNode>();
  const children = new Map<string, Set<string>>();
  const superseded: Superseded[] = [];
  let bytes = 0;

  const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";
  const gone = (node: TreeNode, by: number, how: Superseded["how"]) => {
    const e = node.entry;
    if (node.inode) {
      if (--node.inode.names > 0) return;
      const size = node.inode.entry.size;
      bytes -= size;
      if (size > 0) superseded.push({ path: node.inode.entry.path, bytes: size, layer: node.inode.layer, by, how });
    } else if (e.type === "symlink") {
      const size = entryBytes(e);
      bytes -= size;
      if (size > 0) superseded.push({ path: e.path, bytes: size, layer: node.layer, by, how });
    }
  };
  /** Registers `p` under its parent, and each ancestor a tar left implicit under its own. */
  const addChild = (p: string) => {
    while (p !== "/") {
      const parent = parentOf(p);
      let kids = children.get(parent);
      if (!kids) children.set(parent, (kids = new Set()));
      if (kids.has(p)) return;
      kids.add(p);
      p = parent;
    }
  };
  const removeChildren = (dir: string, by: number, how: Superseded["how"]) => {
    const kids = children.get(dir);
    if (!kids) return;
    children.delete(dir);
    for (const kid of kids) removePath(kid, by, how);
  };
  const removePath = (p: string, by: number, how: Superseded["how"]) => {
    removeChildren(p, by, how);
    const node = nodes.get(p);
    if (!node) return;
    nodes.delete(p);
    children.get(parentOf(p))?.delete(p);
    gone(node, by, how);
  };

  layers.forEach((layer, i) => {
    for (const w of layer.whiteouts) removePath(w, i, "deleted");
    for (const dir of layer.opaques) removeChildren(dir, i, "deleted");
    for (const e of layer.entries) {
      const existing = nodes.get(e.path);
      if (existing) {
        if (existing.entry.type === "dir" && e.type !== "dir") removeChildren(e.path, i, "deleted");
        gone(existing, i, "overwritten");
      } else addChild(e.path);
      const node: TreeNode = { entry: e, layer: i };
      if (e.type === "file") {
        node.inode = { entry: e, layer: i, names: 1 };
        bytes += e.size;
      } else if (e.type === "hardlink") {
        const target = nodes.get(e.link ?? "")?.inode;
        if (target) {
          node.inode = target;
          target.names++;
        }
      } else bytes += entryBytes(e);
      nodes.set(e.path, node);
    }
  });
  return { nodes, bytes, superseded };
}
