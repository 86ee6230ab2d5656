#include "checkpoint.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw IOError("safetensors: " + path + ": " + what);
}

std::string quote(const std::string& s) {
    std::string r = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            r += '\\';
            r += static_cast<char>(c);
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            r += b;
        } else {
            r += static_cast<char>(c);
        }
    }
    return r + "\"";
}

// The subset of JSON a safetensors header uses: objects, arrays, strings, non-negative integers.
// Nesting is bounded (the header is untrusted input).
struct Json {
    enum Kind { object, array, string, integer } kind = object;
    std::string str;
    std::uint64_t num = 0;
    std::vector<std::pair<std::string, Json>> members;
    std::vector<Json> items;
    const Json* find(const std::string& k) const {
        for (const auto& [n, v] : members)
            if (n == k) return &v;
        return nullptr;
    }
};

class Parser {
public:
    Parser(const std::string& text, const std::string& path) : s_(text), path_(path) {}
    Json document() {
        Json j = value(0);
        ws();
        if (i_ != s_.size()) bad("text after the JSON object");
        return j;
    }

private:
    [[noreturn]] void bad(const std::string& what) const {
        fail(path_, "corrupt header at byte " + std::to_string(i_) + ": " + what);
    }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
    }
    char peek() {
        ws();
        if (i_ >= s_.size()) bad("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++i_;
    }
    std::string string() {
        expect('"');
        std::string r;
        while (true) {
            if (i_ >= s_.size()) bad("unterminated string");
            const char c = s_[i_++];
            if (c == '"') return r;
            if (c != '\\') {
                r += c;
                continue;
            }
            if (i_ >= s_.size()) bad("unterminated escape");
            const char e = s_[i_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    r += e;
                    break;
                case 'n':
                    r += '\n';
                    break;
                case 't':
                    r += '\t';
                    break;
                case 'r':
                    r += '\r';
                    break;
                case 'b':
                    r += '\b';
                    break;
                case 'f':
                    r += '\f';
                    break;
                case 'u': {
                    if (i_ + 4 > s_.size()) bad("short \\u escape");
                    const unsigned long cp = std::strtoul(s_.substr(i_, 4).c_str(), nullptr, 16);
                    i_ += 4;
                    if (cp < 0x80) r += static_cast<char>(cp);
                    else if (cp < 0x800) {
                        r += static_cast<char>(0xC0 | (cp >> 6));
                        r += static_cast<char>(0x80 | (cp & 0x3F));
                    } else {
                        r += static_cast<char>(0xE0 | (cp >> 12));
                        r += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                        r += static_cast<char>(0x80 | (cp & 0x3F));
                    }
                    break;
                }
                default:
                    bad("bad escape");
            }
        }
    }
    Json value(int depth) {
        if (depth > 8) bad("nested too deeply");
        Json j;
        const char c = peek();
        if (c == '{') {
            ++i_;
            if (peek() == '}') {
                ++i_;
                return j;
            }
            while (true) {
                std::string k = string();
                expect(':');
                j.members.emplace_back(std::move(k), value(depth + 1));
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect('}');
                return j;
            }
        }
        if (c == '[') {
            ++i_;
            j.kind = Json::array;
            if (peek() == ']') {
                ++i_;
                return j;
            }
            while (true) {
                j.items.push_back(value(depth + 1));
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect(']');
                return j;
            }
        }
        if (c == '"') {
            j.kind = Json::string;
            j.str = string();
            return j;
        }
        if (c >= '0' && c <= '9') {
            j.kind = Json::integer;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
                const std::uint64_t d = static_cast<std::uint64_t>(s_[i_++] - '0');
                if (j.num > (UINT64_MAX - d) / 10) bad("integer too large");
                j.num = j.num * 10 + d;
            }
            return j;
        }
        bad("expected an object, array, string or non-negative integer");
    }
    const std::string& s_;
    const std::string& path_;
    std::size_t i_ = 0;
};

template <class T>
constexpr const char* dtype_name() {
    return sizeof(T) == 4 ? "F32" : "F64";
}

}  // namespace

template <class T>
void save_safetensors(const std::string& path, const TensorFile<T>& f) {
    std::set<std::string> names;
    std::string header = "{";
    std::uint64_t offset = 0;
    if (!f.metadata.empty()) {
        header += "\"__metadata__\":{";
        bool first = true;
        for (const auto& [k, v] : f.metadata) {
            header += (first ? "" : ",") + quote(k) + ":" + quote(v);
            first = false;
        }
        header += "}";
    }
    for (const auto& [name, t] : f.tensors) {
        if (name.empty() || name == "__metadata__" || !names.insert(name).second)
            throw DomainError("save_safetensors: empty, reserved or duplicate tensor name '" + name + "'");
        t.require_defined("save_safetensors");
        const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * sizeof(T);
        header += (header.size() > 1 ? "," : "") + quote(name) + ":{\"dtype\":\"" + dtype_name<T>() +
                  "\",\"shape\":[";
        for (int a = 0; a < t.dim(); ++a) header += (a ? "," : "") + std::to_string(t.size(a));
        header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    header += "}";
    while (header.size() % 8) header += ' ';  // the data starts 8-byte aligned
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(tmp, "cannot open for writing");
        unsigned char len[8];
        for (int b = 0; b < 8; ++b)
            len[b] = static_cast<unsigned char>((std::uint64_t(header.size()) >> (8 * b)) & 0xff);
        out.write(reinterpret_cast<const char*>(len), 8);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        for (const auto& [name, t] : f.tensors) {
            const Tensor<T> c = t.contiguous();  // little-endian host: the bytes are the format
            out.write(reinterpret_cast<const char*>(c.data()),
                      static_cast<std::streamsize>(c.numel() * sizeof(T)));
        }
        out.flush();
        if (!out) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            fail(tmp, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail(path, "cannot rename " + tmp + " over it: " + ec.message());
}

template <class T>
TensorFile<T> load_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open");
    in.seekg(0, std::ios::end);
    const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    if (size < 8)
        fail(path, "truncated: " + std::to_string(size) + " bytes, not even the 8-byte header length");
    unsigned char len[8];
    in.read(reinterpret_cast<char*>(len), 8);
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = (n << 8) | len[b];
    if (n > size - 8)
        fail(path, "truncated: the header claims " + std::to_string(n) + " bytes, the file has " +
                       std::to_string(size - 8) + " after the length");
    if (n > (100u << 20)) fail(path, "header of " + std::to_string(n) + " bytes exceeds the 100 MB limit");
    std::string text(static_cast<std::size_t>(n), '\0');
    in.read(text.data(), static_cast<std::streamsize>(n));
    const Json doc = Parser(text, path).document();
    if (doc.kind != Json::object) fail(path, "corrupt header: not a JSON object");
    const std::uint64_t data_bytes = size - 8 - n;
    TensorFile<T> out;
    for (const auto& [name, e] : doc.members) {
        if (name == "__metadata__") {
            for (const auto& [k, v] : e.members) {
                if (v.kind != Json::string)
                    fail(path, "corrupt header: metadata '" + k + "' is not a string");
                out.metadata[k] = v.str;
            }
            continue;
        }
        const Json *dt = e.find("dtype"), *sh = e.find("shape"), *off = e.find("data_offsets");
        if (e.kind != Json::object || !dt || !sh || !off || dt->kind != Json::string ||
            sh->kind != Json::array || off->kind != Json::array || off->items.size() != 2)
            fail(path,
                 "corrupt header: tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
        const std::size_t width = dt->str == "F32" ? 4 : dt->str == "F64" ? 8 : 0;
        if (!width) fail(path, "tensor '" + name + "' has dtype " + dt->str + " (only F32 and F64 are read)");
        Shape shape;
        std::uint64_t count = 1;
        if (sh->items.size() > static_cast<std::size_t>(max_rank))
            fail(path, "tensor '" + name + "' has rank above 8");
        for (const auto& d : sh->items) {
            if (d.kind != Json::integer || d.num > (1ull << 40))
                fail(path, "tensor '" + name + "': bad dimension");
            shape.push_back(static_cast<index_t>(d.num));
            if (d.num && count > (1ull << 40) / d.num) fail(path, "tensor '" + name + "': too many elements");
            count *= d.num;
        }
        const Json &b = off->items[0], &en = off->items[1];
        if (b.kind != Json::integer || en.kind != Json::integer || b.num > en.num || en.num > data_bytes)
            fail(path, "tensor '" + name + "': data_offsets [" + std::to_string(b.num) + ", " +
                           std::to_string(en.num) + "] outside the " + std::to_string(data_bytes) +
                           " data bytes (truncated file?)");
        if (en.num - b.num != count * width)
            fail(path, "tensor '" + name + "': " + std::to_string(en.num - b.num) + " data bytes for shape " +
                           shape.str() + " of " + dt->str + " (" + std::to_string(count * width) +
                           " expected)");
        std::vector<char> raw(static_cast<std::size_t>(en.num - b.num));
        in.seekg(static_cast<std::streamoff>(8 + n + b.num));
        in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
        if (!in) fail(path, "read failed for tensor '" + name + "'");
        Tensor<T> t = Tensor<T>::empty(shape, "load_safetensors");
        T* p = t.data();
        for (std::uint64_t k = 0; k < count; ++k) {
            if (width == 4) {
                float v;
                std::memcpy(&v, raw.data() + 4 * k, 4);
                p[k] = static_cast<T>(v);
            } else {
                double v;
                std::memcpy(&v, raw.data() + 8 * k, 8);
                p[k] = static_cast<T>(v);
            }
        }
        out.tensors.emplace_back(name, std::move(t));
    }
    return out;
}

namespace {
std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}
std::string state_prefix(std::size_t g, std::size_t i) {
    return "optim." + std::to_string(g) + "." + std::to_string(i) + ".";
}
}  // namespace

template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const Optimizer<T>* opt,
                     const std::map<std::string, std::string>& extra) {
    TensorFile<T> f;
    f.metadata = extra;
    f.metadata["format"] = "tensorgrad checkpoint 1";
    for (const auto& [n, p] : model.named_parameters()) f.tensors.emplace_back(n, p.value());
    for (const auto& [n, b] : model.named_buffers()) f.tensors.emplace_back(n, b);
    if (opt) {
        f.metadata["optim.name"] = opt->name();
        f.metadata["optim.groups"] = std::to_string(opt->param_groups().size());
        for (std::size_t g = 0; g < opt->param_groups().size(); ++g) {
            const auto& grp = opt->param_groups()[g];
            const std::string gp = "optim." + std::to_string(g) + ".";
            f.metadata[gp + "lr"] = num(grp.lr);
            f.metadata[gp + "initial_lr"] = num(grp.initial_lr);
            f.metadata[gp + "weight_decay"] = num(grp.weight_decay);
            f.metadata[gp + "params"] = std::to_string(grp.params.size());
            for (std::size_t i = 0; i < grp.params.size(); ++i) {
                const ParamState<T>& s = opt->states()[g][i];
                f.metadata[state_prefix(g, i) + "step"] = std::to_string(s.step);
                for (const auto& [k, t] : s.tensors) f.tensors.emplace_back(state_prefix(g, i) + k, t);
            }
        }
    }
    save_safetensors(path, f);
}

template <class T>
std::map<std::string, std::string> load_checkpoint(const std::string& path, Module<T>& model,
                                                   Optimizer<T>* opt) {
    TensorFile<T> f = load_safetensors<T>(path);
    std::map<std::string, Tensor<T>> byname;
    for (auto& [n, t] : f.tensors) byname[n] = t;
    // Check everything first, then write: a failed load leaves the model as it was.
    std::vector<std::pair<Tensor<T>, Tensor<T>>> writes;  // (destination, source)
    auto take = [&](const std::string& n, const Tensor<T>& dst) {
        auto it = byname.find(n);
        if (it == byname.end()) fail(path, "missing tensor '" + n + "' (shape " + dst.shape().str() + ")");
        if (!(it->second.shape() == dst.shape()))
            fail(path, "tensor '" + n + "' has shape " + it->second.shape().str() +
                           " in the file, the model needs " + dst.shape().str());
        writes.emplace_back(dst, it->second);
    };
    for (const auto& [n, p] : model.named_parameters()) take(n, p.value());
    for (const auto& [n, b] : model.named_buffers()) take(n, b);
    auto meta = [&](const std::string& k) -> const std::string& {
        auto it = f.metadata.find(k);
        if (it == f.metadata.end()) fail(path, "missing optimizer metadata '" + k + "'");
        return it->second;
    };
    auto number = [&](const std::string& k) {  // strtod: no exception on garbage, checked here
        const std::string& v = meta(k);
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0')
            fail(path, "optimizer metadata '" + k + "' is not a number: '" + v + "'");
        return d;
    };
    if (opt) {
        if (meta("optim.name") != opt->name())
            fail(path, "the file holds the state of " + meta("optim.name") + ", not " + opt->name());
        if (static_cast<std::size_t>(number("optim.groups")) != opt->param_groups().size())
            fail(path, "the file has " + meta("optim.groups") + " parameter groups, the optimizer " +
                           std::to_string(opt->param_groups().size()));
        for (std::size_t g = 0; g < opt->param_groups().size(); ++g)
            if (static_cast<std::size_t>(number("optim." + std::to_string(g) + ".params")) !=
                opt->param_groups()[g].params.size())
                fail(path, "parameter group " + std::to_string(g) + " differs in size from the file's");
    }
    for (auto& [dst, src] : writes) {
        Tensor<T> d = dst;
        d.assign(src);
    }
    if (opt) {
        for (std::size_t g = 0; g < opt->param_groups().size(); ++g) {
            auto& grp = opt->param_groups()[g];
            const std::string gp = "optim." + std::to_string(g) + ".";
            grp.lr = number(gp + "lr");
            grp.initial_lr = number(gp + "initial_lr");
            grp.weight_decay = number(gp + "weight_decay");
            for (std::size_t i = 0; i < grp.params.size(); ++i) {
                ParamState<T>& s = opt->states()[g][i];
                const std::string pre = state_prefix(g, i);
                s.step = static_cast<std::int64_t>(number(pre + "step"));
                s.tensors.clear();
                for (const auto& [n, t] : f.tensors)
                    if (n.compare(0, pre.size(), pre) == 0) s.tensors[n.substr(pre.size())] = t;
            }
        }
    }
    return f.metadata;
}

#define TG_CKPT_INSTANTIATE(T)                                                                     \
    template void save_safetensors<T>(const std::string&, const TensorFile<T>&);                   \
    template TensorFile<T> load_safetensors<T>(const std::string&);                                \
    template void save_checkpoint<T>(const std::string&, const Module<T>&, const Optimizer<T>*,    \
                                     const std::map<std::string, std::string>&);                   \
    template std::map<std::string, std::string> load_checkpoint<T>(const std::string&, Module<T>&, \
                                                                   Optimizer<T>*);
TG_CKPT_INSTANTIATE(float)
TG_CKPT_INSTANTIATE(double)
#undef TG_CKPT_INSTANTIATE

}  // namespace tg::nn
