/** The page asks the download worker to fetch `url` into the model store's file `key`. */
export interface DownloadRequest {
  /** The model's address (after `hf:` resolution). */
  readonly url: string;
  /** The model store's name for it (see `model-store.ts`). */
  readonly key: string;
}

/** What the download worker says: bytes so far, the end, or why it stopped. */
export type DownloadReply =
  | { readonly type: 'progress'; readonly loaded: number; readonly total: number | undefined; readonly resumedFrom: number }
  | { readonly type: 'done'; readonly size: number }
  | { readonly type: 'error'; readonly message: string; readonly quota: boolean };
