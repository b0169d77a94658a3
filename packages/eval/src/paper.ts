/**
 * TinyLlama-1.1B's zero-shot commonsense scores in percent (3T tokens; the
 * TinyLlama paper, arXiv 2401.02385, Table 2), by task name. The paper ran
 * lm-evaluation-harness; for tasks that report acc_norm it is taken as the
 * one compared, as the harness's leaderboard convention does.
 */
export const TINYLLAMA_PAPER: Readonly<Record<string, number>> = {
  hellaswag: 59.2,
  openbookqa: 36.0,
  winogrande: 59.12,
  arc_challenge: 30.12,
  arc_easy: 55.25,
  boolq: 57.83,
  piqa: 73.29,
};
