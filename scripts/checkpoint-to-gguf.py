#!/usr/bin/env python3
"""Writes a float32 Qwen2 checkpoint (an interp4j random model, or any Qwen2 safetensors directory with
float32 tensors in one model.safetensors) as a GGUF file, so llama.cpp's llama-bench can time the same
weights as `interp4j bench forward` (README, "Against floors").

usage: scripts/checkpoint-to-gguf.py MODEL_DIR OUT.gguf LLAMA_CPP_DIR [f32|f16]

LLAMA_CPP_DIR is a llama.cpp source tree: its gguf-py package writes the file (numpy is the only other
need). The tokenizer's vocabulary is padded to the config's vocab_size with unused [PADn] tokens, as
llama.cpp's own converter pads Qwen2's. f16 stores the matrices in float16 (norms and biases stay
float32), as llama.cpp's converter does for --outtype f16.

The safetensors header is parsed here (8-byte length, JSON, raw data) rather than with the safetensors
package, which this machine's Python lacks; llama.cpp's convert_hf_to_gguf.py needs torch and
transformers, which it lacks too.
"""
import json
import mmap
import os
import struct
import sys
import tempfile


def main():
    if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] not in ("f32", "f16")):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    model, out, llama_cpp = sys.argv[1], sys.argv[2], sys.argv[3]
    ftype = sys.argv[4] if len(sys.argv) == 5 else "f32"
    # gguf-py imports sentencepiece for vocabularies this script does not use; a stand-in lets it load
    stub = tempfile.mkdtemp()
    with open(os.path.join(stub, "sentencepiece.py"), "w") as f:
        f.write("class SentencePieceProcessor:\n    pass\n")
    sys.path[:0] = [os.path.join(llama_cpp, "gguf-py"), stub]
    import numpy as np
    import gguf

    config = json.load(open(os.path.join(model, "config.json")))
    if config.get("model_type") != "qwen2":
        sys.exit(f"{model}/config.json: model_type must be qwen2, found {config.get('model_type')!r}")
    weights = open(os.path.join(model, "model.safetensors"), "rb")
    header_length = struct.unpack("<Q", weights.read(8))[0]
    header = json.loads(weights.read(header_length))
    data = mmap.mmap(weights.fileno(), 0, access=mmap.ACCESS_READ)

    def tensor(name):
        entry = header[name]
        if entry["dtype"] != "F32":
            sys.exit(f"{model}/model.safetensors: {name} is {entry['dtype']}; only F32 is written")
        start, end = entry["data_offsets"]
        return np.frombuffer(data, dtype=np.float32, count=(end - start) // 4, offset=8 + header_length + start).reshape(entry["shape"])

    w = gguf.GGUFWriter(out, "qwen2")
    layers = config["num_hidden_layers"]
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_block_count(layers)
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_head_count(config["num_attention_heads"])
    w.add_head_count_kv(config["num_key_value_heads"])
    w.add_rope_freq_base(config["rope_theta"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32 if ftype == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    tokenizer = json.load(open(os.path.join(model, "tokenizer.json")))
    size = config["vocab_size"]
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [gguf.TokenType.UNUSED] * size
    for token, index in tokenizer["model"]["vocab"].items():
        if index < size:
            tokens[index], types[index] = token, gguf.TokenType.NORMAL
    for added in tokenizer.get("added_tokens", []):
        if added["id"] < size:
            tokens[added["id"]], types[added["id"]] = added["content"], gguf.TokenType.CONTROL
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]])
    w.add_bos_token_id(config["bos_token_id"])
    w.add_eos_token_id(config["eos_token_id"])

    names = {
        "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
        "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
        "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
        "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
    }

    def add(name, array):
        w.add_tensor(name, array.astype(np.float16) if ftype == "f16" and array.ndim == 2 else array)

    add("token_embd.weight", tensor("model.embed_tokens.weight"))
    for layer in range(layers):
        for hf, gg in names.items():
            add(f"blk.{layer}.{gg}", tensor(f"model.layers.{layer}.{hf}"))
    add("output_norm.weight", tensor("model.norm.weight"))
    if not config["tie_word_embeddings"]:
        add("output.weight", tensor("lm_head.weight"))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
