/** Docker's PATH for a container whose image sets none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** `env` as given, plus PATH and HOME when it lacks them (HOME from passwd, as Docker does). */
export function processEnv(env: readonly string[], home: string): string[] {
  const has = (name: string) => env.some((e) => e.startsWith(`${name}=`));
  const out = [...env];
  if (!has("PATH")) out.push(`PATH=${DEFAULT_PATH}`);
  if (!has("HOME")) out.push(`HOME=${home}`);
  return out;
}
