/** One scored request: a context and the continuation whose log-likelihood is taken after it. */
export interface EvalRequest {
  /** The text before. */
  readonly context: string;
  /** The text scored (with lm-eval's target delimiter, a leading space, already in it). */
  readonly continuation: string;
}

/**
 * One multiple-choice item: a request per choice, the gold choice, and each
 * choice's text as lm-eval's `doc_to_choice` returns it (acc_norm divides by
 * its length in characters).
 */
export interface EvalItem {
  /** Position in the file (0-based; for HellaSwag's six-line format, the task). */
  readonly index: number;
  /** One request per choice. */
  readonly requests: readonly EvalRequest[];
  /** The gold choice (0-based). */
  readonly gold: number;
  /** The choices' texts, for acc_norm. */
  readonly choiceTexts: readonly string[];
  /**
   * WinoGrande only: each option's whole sentence (the blank filled in) and
   * its part up to the option, as llama.cpp's `--winogrande` scores them.
   */
  readonly filled?: FilledSentences;
}

/** WinoGrande's sentences with each option in the blank, as llama.cpp reads them. */
export interface FilledSentences {
  /** The whole sentence per option. */
  readonly sentences: readonly string[];
  /** The sentence up to and including the option, per option. */
  readonly upToOption: readonly string[];
}
