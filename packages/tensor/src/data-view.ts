let lastView: DataView | undefined;

/**
 * A DataView over `bytes`: the last one made when it covers the same bytes.
 * Weights are decoded row by row and block by block, and a fresh view each
 * time is allocation churn in the hottest loops of the reference kernels.
 */
export function dataViewOf(bytes: Uint8Array): DataView {
  if (lastView?.buffer !== bytes.buffer || lastView.byteOffset !== bytes.byteOffset || lastView.byteLength !== bytes.byteLength) {
    lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return lastView;
}
