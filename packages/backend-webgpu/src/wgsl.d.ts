/** WGSL sources are imported as text (tsup `--loader .wgsl=text`, a vitest transform in tests). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
