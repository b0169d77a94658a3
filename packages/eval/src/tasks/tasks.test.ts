import { describe, expect, it } from 'vitest';
import { hellaswagPreprocess } from './hellaswag.js';
import { taskByName } from './index.js';

// Three records written in the layout of AI2's ARC-V1-Feb2018 JSONL files (ARC-Easy-Dev.jsonl):
// id, question.stem, question.choices [{text, label}], answerKey (letters, or digits for some items).
const ARC = [
  {
    id: 'Mercury_7220990',
    question: {
      stem: 'Which factor will most likely cause a person to develop a fever?',
      choices: [
        { text: 'a leg muscle relaxing after exercise', label: 'A' },
        { text: 'a bacterial population in the bloodstream', label: 'B' },
        { text: 'several viral particles on the skin', label: 'C' },
        { text: 'carbohydrates being digested in the stomach', label: 'D' },
      ],
    },
    answerKey: 'B',
  },
  {
    id: 'MCAS_2007_8_5189',
    question: {
      stem: 'Which of the following is a trait that a dog does NOT inherit from its parents?',
      choices: [
        { text: 'the length of its fur', label: '1' },
        { text: 'the shape of its nose', label: '2' },
        { text: 'the size of its appetite', label: '3' },
        { text: 'the color of its fur', label: '4' },
      ],
    },
    answerKey: '3',
  },
  {
    id: 'Mercury_SC_405487',
    question: {
      stem: 'Which tool is best for measuring length?',
      choices: [
        { text: 'ruler', label: 'A' },
        { text: 'scale', label: 'B' },
        { text: 'thermometer', label: 'C' },
      ],
    },
    answerKey: 'A',
  },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('task files', () => {
  it("ARC, in AI2's JSONL layout: lm-eval's prompt, the choice texts, the gold by label (letters or digits)", () => {
    const items = taskByName('arc_easy').parse(ARC, 'ARC-Easy-Dev.jsonl');
    expect(items.map((i) => i.gold)).toEqual([1, 2, 0]);
    expect(items[0]!.requests[1]).toEqual({
      context: 'Question: Which factor will most likely cause a person to develop a fever?\nAnswer:',
      continuation: ' a bacterial population in the bloodstream',
    });
    expect(items[2]!.choiceTexts).toEqual(['ruler', 'scale', 'thermometer']);
    // and Hugging Face's flattened layout of the same item
    const flat = JSON.stringify({ id: 'x', question: 'Which tool is best for measuring length?', choices: { text: ['ruler', 'scale'], label: ['A', 'B'] }, answerKey: 'B' });
    expect(taskByName('arc_challenge').parse(flat, 'hf.jsonl')[0]!.gold).toBe(1);
  });

  it("WinoGrande: a context per option, the rest of the sentence as lm-eval's shared continuation", () => {
    const line = JSON.stringify({ qID: 'q', sentence: 'Sarah was a better surgeon than Maria so _ always got the easier cases.', option1: 'Sarah', option2: 'Maria', answer: '2' });
    const [item] = taskByName('winogrande').parse(line, 'dev.jsonl');
    expect(item!.requests).toEqual([
      { context: 'Sarah was a better surgeon than Maria so Sarah', continuation: ' always got the easier cases.' },
      { context: 'Sarah was a better surgeon than Maria so Maria', continuation: ' always got the easier cases.' },
    ]);
    expect(item!.gold).toBe(1);
  });

  it("HellaSwag's JSONL is preprocessed as lm-eval does", () => {
    expect(hellaswagPreprocess(' Removing ice from car: [title] Use a scraper.  Then [step] wait ')).toBe('Removing ice from car:. Use a scraper. Then wait');
    const record = JSON.stringify({ activity_label: 'Washing dishes', ctx_a: 'A man stands at a sink.', ctx_b: 'HE turns on the tap', endings: ['and rinses a plate.', 'and sings.'], label: '0' });
    const [item] = taskByName('hellaswag').parse(record, 'hellaswag_val.jsonl');
    expect(item!.requests[0]).toEqual({ context: 'Washing dishes: A man stands at a sink. He turns on the tap', continuation: ' and rinses a plate.' });
  });

  it.each([
    ['boolq', '{"question": "is it", "passage": "p", "answer": true}\n{"question": "is it", "answer": false}', /boolq\.jsonl:2: field "passage" is missing/],
    ['boolq', '{"question": "is it", "passage": "p", "answer": "yes"}', /:1: field "answer" must be true or false/],
    ['openbookqa', '{"id": 1, "question": {"stem": "s", "choices": [{"text": "a", "label": "A"}]}, "answerKey": "C"}', /answerKey "C" is not one of the labels A/],
    ['winogrande', '{"sentence": "no blank", "option1": "a", "option2": "b", "answer": "1"}', /:1: field "sentence" has no _/],
    ['piqa', '{"goal": "g", "sol1": "a", "sol2": "b"}\nnot json', /piqa\.jsonl:2: not JSON/],
    ['hellaswag', 'ctx\n7\na\nb\nc\nd\n', /the gold ending must be 0 to 3/],
    ['multiple_choice', '{"context": "c", "choices": ["a", "b"], "gold": 2}', /field "gold" must be an integer in \[0, 2\)/],
  ])('%s: a malformed file is refused with its line and field', (name, text, message) => {
    expect(() => taskByName(name).parse(text, `${name}.jsonl`)).toThrow(expect.objectContaining({ code: 'E_BAD_FILE', message: expect.stringMatching(message) }));
  });

  it('PIQA without labels says where they are; an unknown task lists the tasks', () => {
    expect(() => taskByName('piqa').parse('{"goal": "g", "sol1": "a", "sol2": "b"}', 'valid.jsonl')).toThrow(/--labels/);
    expect(() => taskByName('mmlu')).toThrow(/hellaswag, piqa, winogrande, boolq, openbookqa, arc_easy, arc_challenge, multiple_choice/);
  });
});
