import { randomInt } from "node:crypto";
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from "node:fs";
import { StrataError, errnoCode } from "@strata/core";
import type { ContainerLayout } from "./layout.js";

const ADJECTIVES = [
  "agile", "amber", "ample", "arctic", "bold", "brave", "bright", "brisk", "calm", "careful",
  "clever", "cosmic", "crisp", "curious", "daring", "deft", "eager", "earnest", "elated", "epic",
  "fervent", "fierce", "fond", "frosty", "gallant", "gentle", "gifted", "glad", "golden", "happy",
  "hardy", "honest", "humble", "jolly", "keen", "kind", "lively", "lucid", "lucky", "mellow",
  "merry", "mighty", "modest", "nimble", "noble", "patient", "plucky", "polite", "proud", "quick",
  "quiet", "radiant", "rapid", "serene", "sharp", "shiny", "silent", "sleepy", "smooth", "steady",
  "stoic", "sunny", "swift", "tender", "tidy", "trusty", "upbeat", "vivid", "warm", "witty",
];

// Scientists, engineers and mathematicians.
const SURNAMES = [
  "agnesi", "archimedes", "babbage", "banach", "bardeen", "bohr", "boole", "cantor", "carson", "cauchy",
  "curie", "darwin", "dijkstra", "dirac", "euclid", "euler", "faraday", "fermat", "fermi", "feynman",
  "franklin", "galileo", "gauss", "germain", "goodall", "hamilton", "hawking", "hertz", "hilbert", "hopper",
  "hypatia", "jackson", "johnson", "joule", "kepler", "knuth", "kovalevskaya", "lamarr", "laplace", "leavitt",
  "leibniz", "lovelace", "maxwell", "meitner", "mendel", "mirzakhani", "newton", "noether", "pascal", "pasteur",
  "planck", "poincare", "ramanujan", "riemann", "ritchie", "shannon", "thompson", "turing", "volta", "wiles",
];

/** A Docker-style generated name, "adjective_surname"; `retry` > 0 appends a digit as Docker does. */
export function generatedName(retry = 0): string {
  const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
  return retry > 0 ? `${name}${randomInt(10)}` : name;
}

/** Docker's rule for container names (a leading "/" is accepted and dropped). */
export function validateName(input: string): string {
  const name = input.startsWith("/") ? input.slice(1) : input;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw new StrataError("INVALID_ARGUMENT", `Invalid container name (${input}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name;
}

/**
 * Container names as symlinks `names/<name>` → id: symlink(2) fails with EEXIST when the name is
 * taken, so two commands can never both get one, without a lock. A name whose container record
 * is gone (a crash between the two) is taken over. The target is the ID in base64url (43
 * characters): ext4 keeps a symlink target under 60 bytes in the inode, where the 64 hex digits
 * would take a 4 KiB block per name.
 */
export class NameRegistry {
  constructor(
    private readonly layout: ContainerLayout,
    private readonly exists: (id: string) => boolean,
  ) {}

  /** The id holding `name`, or undefined. */
  lookup(name: string): string | undefined {
    try {
      const target = readlinkSync(this.layout.name(name));
      return /^[0-9a-f]{64}$/.test(target) ? target : Buffer.from(target, "base64url").toString("hex");
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "EINVAL") return undefined;
      throw e;
    }
  }

  reserve(name: string, id: string): void {
    mkdirSync(this.layout.namesDir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        symlinkSync(Buffer.from(id, "hex").toString("base64url"), this.layout.name(name));
        return;
      } catch (e) {
        if (errnoCode(e) !== "EEXIST") throw e;
      }
      const holder = this.lookup(name);
      if (holder !== undefined && this.exists(holder)) throw nameInUse(name, holder);
      this.release(name, holder);
    }
    throw nameInUse(name, this.lookup(name) ?? "");
  }

  /** Gives `name` up if `id` still holds it (undefined: whoever holds it). */
  release(name: string, id: string | undefined): void {
    if (id !== undefined && this.lookup(name) !== id) return;
    try {
      unlinkSync(this.layout.name(name));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
  }

  /** A free generated name, reserved for `id`. */
  reserveGenerated(id: string): string {
    for (let retry = 0; ; retry++) {
      const name = generatedName(retry);
      try {
        this.reserve(name, id);
        return name;
      } catch (e) {
        if (!(e instanceof StrataError && e.code === "ALREADY_EXISTS") || retry > 50) throw e;
      }
    }
  }
}

function nameInUse(name: string, id: string): StrataError {
  return new StrataError(
    "ALREADY_EXISTS",
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}
