// .npy reading and writing with plain streams. The format (numpy/lib/format.py):
//   "\x93NUMPY" major minor | header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0) |
//   header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
//   padded with spaces and ended by '\n' so the data starts at a multiple of 64 | raw data.
// Loading trusts nothing: the header is parsed by a small literal parser, and the file size must
// equal header end + prod(shape) * sizeof(T) exactly, so a truncated or padded file is an error.
// Hostile headers are bounded: at most max_header_len bytes and max_nesting levels of brackets
// (the parser recurses once per level; a million '[' overflowed the stack), and the shape must
// satisfy NOTE [shape limits] before anything is allocated. fuzz/fuzz_npy.cpp fuzzes all of it.
#include "io.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "detail/npy.hpp"

namespace tg {

static_assert(std::endian::native == std::endian::little,
              "npy io writes and reads little-endian data in native byte order");

namespace {

constexpr char magic[] = "\x93NUMPY";
constexpr std::size_t magic_len = 6;
// numpy writes headers under 1 KiB for any rank we accept (<= 8) and format 1.0 cannot exceed
// 65535; a longer (2.0/3.0) header is refused before it is read into memory.
constexpr std::uint64_t max_header_len = 65535;
// Brackets nest one level in numpy's headers ('shape': (2, 3)); 32 leaves room for odd but valid
// dict values and bounds the parser's recursion.
constexpr int max_nesting = 32;

template <class T>
constexpr const char* descr_of() {
    return std::is_same_v<T, float> ? "<f4" : "<f8";
}
template <class T>
constexpr const char* type_name() {
    return std::is_same_v<T, float> ? "float" : "double";
}

[[noreturn]] void fail(const char* fn, const std::string& path, const std::string& what) {
    throw IOError(std::string(fn) + ": " + path + ": " + what);
}

// ---- Header parsing: the subset of Python literals numpy writes (strings, True/False, ints,
// tuples and lists), enough to read the three keys and to skip anything else.

struct Header {
    std::optional<std::string> descr;       // set when 'descr' is a plain string
    std::optional<std::string> descr_text;  // its raw text, for messages (structured dtypes)
    std::optional<bool> fortran_order;
    std::optional<std::vector<index_t>> shape;
};

class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

    Header parse() {
        Header h;
        ws();
        expect('{');
        ws();
        while (peek() != '}') {
            const std::string key = string_literal();
            ws();
            expect(':');
            ws();
            const std::size_t start = i_;
            if (key == "descr") {
                if (peek() == '\'' || peek() == '"') h.descr = string_literal();
                else skip_value(1);
                h.descr_text = std::string(s_.substr(start, i_ - start));
            } else if (key == "fortran_order") {
                h.fortran_order = boolean();
            } else if (key == "shape") {
                h.shape = int_tuple();
            } else {
                skip_value(1);  // numpy itself rejects extra keys; ignoring them is harmless
            }
            ws();
            if (peek() == ',') {
                ++i_;
                ws();
            } else if (peek() != '}') {
                bad("expected ',' or '}'");
            }
        }
        ++i_;
        ws();
        if (i_ != s_.size()) bad("unexpected text after '}'");
        return h;
    }

private:
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    void expect(char c) {
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++i_;
    }
    [[noreturn]] void bad(const std::string& why) const {
        std::string shown(s_.substr(0, 200));
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
        fail("load_npy", path_,
             "malformed header (" + why + " at offset " + std::to_string(i_) + "): " + shown);
    }
    std::string string_literal() {
        const char q = peek();
        if (q != '\'' && q != '"') bad("expected a quoted string");
        ++i_;
        std::string out;
        while (i_ < s_.size() && s_[i_] != q) {
            if (s_[i_] == '\\') ++i_;  // escapes do not occur in numpy headers; keep the char
            if (i_ < s_.size()) out += s_[i_++];
        }
        expect(q);
        return out;
    }
    bool boolean() {
        for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
            const std::size_t n = std::strlen(word);
            if (s_.substr(i_, n) == word) {
                i_ += n;
                return value;
            }
        }
        bad("expected True or False");
    }
    index_t integer() {
        if (peek() < '0' || peek() > '9') bad("expected a non-negative integer");
        index_t v = 0;
        while (peek() >= '0' && peek() <= '9') {
            const int d = s_[i_++] - '0';
            if (v > (std::numeric_limits<index_t>::max() - d) / 10) bad("integer too large");
            v = v * 10 + d;
        }
        if (peek() == 'L') ++i_;  // Python 2 long suffix, seen in old files
        return v;
    }
    std::vector<index_t> int_tuple() {
        std::vector<index_t> dims;
        expect('(');
        ws();
        while (peek() != ')') {
            dims.push_back(integer());
            ws();
            if (peek() == ',') {
                ++i_;
                ws();
            } else if (peek() != ')') {
                bad("expected ',' or ')' in the shape");
            }
        }
        ++i_;
        return dims;
    }
    // `depth`: brackets open around this value, counting the header's own '{'.
    void skip_value(int depth) {
        const char c = peek();
        if (c == '\'' || c == '"') {
            string_literal();
        } else if (c == '(' || c == '[' || c == '{') {
            if (depth >= max_nesting)
                bad("brackets nested more than " + std::to_string(max_nesting) + " levels deep");
            const char close = c == '(' ? ')' : c == '[' ? ']' : '}';
            ++i_;
            ws();
            while (peek() != close) {
                skip_value(depth + 1);
                ws();
                if (peek() == ':' || peek() == ',') {
                    ++i_;
                    ws();
                } else if (peek() != close) {
                    bad("unbalanced brackets");
                }
            }
            ++i_;
        } else {
            const std::size_t start = i_;
            while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                                      s_[i_] == '-' || s_[i_] == '.'))
                ++i_;
            if (i_ == start) bad("unexpected character");
        }
    }

    std::string_view s_;
    const std::string& path_;
    std::size_t i_ = 0;
};

std::string tuple_text(const Shape& s) {
    if (s.size() == 1) return "(" + std::to_string(s[0]) + ",)";
    std::string out = "(";
    for (int i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + ")";
}

std::string dims_text(const std::vector<index_t>& d) {
    std::string out = "[";
    for (std::size_t i = 0; i < d.size(); ++i) out += (i ? "," : "") + std::to_string(d[i]);
    return out + "]";
}

std::uint32_t read_le(const unsigned char* p, int n) {
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

}  // namespace

template <class T>
void save_npy(const std::string& path, const Tensor<T>& t) {
    if (!t.defined()) fail("save_npy", path, "the tensor is undefined");
    const Tensor<T> c = t.contiguous();

    std::string header = std::string("{'descr': '") + descr_of<T>() +
                         "', 'fortran_order': False, 'shape': " + tuple_text(c.shape()) + ", }";
    // Pad so that magic + version + length + header (ending in '\n') is a multiple of 64.
    const std::size_t prefix = magic_len + 2 + 2;
    const std::size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
    header.append(total - prefix - header.size() - 1, ' ');
    header += '\n';
    const auto hlen = static_cast<std::uint16_t>(header.size());  // rank <= 8 keeps it < 1 KiB

    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) fail("save_npy", path, std::string("cannot open for writing: ") + std::strerror(errno));
    const char pre[prefix] = {magic[0],
                              magic[1],
                              magic[2],
                              magic[3],
                              magic[4],
                              magic[5],
                              1,
                              0,
                              static_cast<char>(hlen & 0xff),
                              static_cast<char>(hlen >> 8)};
    f.write(pre, prefix);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(c.data()),
            static_cast<std::streamsize>(c.numel() * static_cast<index_t>(sizeof(T))));
    f.close();
    if (!f) fail("save_npy", path, std::string("write failed: ") + std::strerror(errno));
}

template <class T>
Tensor<T> load_npy(const std::string& path) {
    constexpr const char* fn = "load_npy";
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found) fail(fn, path, "no such file");
    if (fs::is_directory(st)) fail(fn, path, "is a directory, not a .npy file");
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(fn, path, std::string("cannot open for reading: ") + std::strerror(errno));
    f.seekg(0, std::ios::end);
    const std::streamoff end = f.tellg();
    if (end < 0) fail(fn, path, "cannot determine the file size (not a regular file?)");
    f.seekg(0);
    return detail::load_npy_stream<T>(f, static_cast<std::uint64_t>(end), path);
}

namespace detail {

template <class T>
Tensor<T> load_npy_stream(std::istream& f, std::uint64_t file_size, const std::string& path) {
    constexpr const char* fn = "load_npy";
    // Fixed prefix: magic, version, header length.
    unsigned char pre[12] = {};
    const auto head = static_cast<std::size_t>(std::min<std::uint64_t>(file_size, 10));
    f.read(reinterpret_cast<char*>(pre), static_cast<std::streamsize>(head));
    if (std::memcmp(pre, magic, std::min(head, magic_len)) != 0)
        fail(fn, path, "not a .npy file (the magic string \\x93NUMPY is missing)");
    if (head < 10)
        fail(fn, path,
             "truncated header: the file has " + std::to_string(file_size) +
                 " bytes, fewer than the 10-byte .npy prefix");
    const int major = pre[6], minor = pre[7];
    std::uint64_t prefix = 10, hlen = 0;
    if (major == 1) {
        hlen = read_le(pre + 8, 2);
    } else if (major == 2 || major == 3) {
        prefix = 12;
        if (file_size < prefix)
            fail(fn, path, "truncated header: the file has " + std::to_string(file_size) + " bytes");
        f.read(reinterpret_cast<char*>(pre) + 10, 2);
        hlen = read_le(pre + 8, 4);
    } else {
        fail(fn, path,
             "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    }
    if (hlen > max_header_len)
        fail(fn, path,
             "header of " + std::to_string(hlen) + " bytes is longer than the " +
                 std::to_string(max_header_len) + "-byte limit");
    const std::uint64_t header_end = prefix + hlen;
    if (header_end > file_size)
        fail(fn, path,
             "truncated header: it needs " + std::to_string(header_end) + " bytes but the file has " +
                 std::to_string(file_size));
    std::string text(hlen, '\0');
    f.read(text.data(), static_cast<std::streamsize>(hlen));
    if (!f) fail(fn, path, "read failed in the header");

    const Header h = HeaderParser(text, path).parse();
    if (!h.descr_text || !h.fortran_order || !h.shape)
        fail(fn, path,
             "malformed header (it needs 'descr', 'fortran_order' and 'shape'): " + text.substr(0, 200));
    if (h.descr != descr_of<T>()) {
        std::string what = h.descr ? *h.descr + " data" : "structured data " + *h.descr_text;
        if (h.descr && h.descr->size() > 1 && (*h.descr)[0] == '>') what += " (big-endian)";
        fail(fn, path, "holds " + what + "; expected " + descr_of<T>() + " (" + type_name<T>() + ")");
    }
    const std::vector<index_t>& dims = *h.shape;
    if (dims.size() > static_cast<std::size_t>(max_rank))
        fail(fn, path,
             "has a " + std::to_string(dims.size()) + "-d shape " + dims_text(dims) +
                 "; tensors have at most " + std::to_string(max_rank) + " dimensions");

    // NOTE [shape limits], as an IOError naming the file: (2^62, 2^62, 0) holds nothing but its
    // strides overflow.
    index_t extent = 1;
    for (index_t d : dims)
        if (d > 0 && __builtin_mul_overflow(extent, d, &extent))
            fail(fn, path,
                 "shape " + dims_text(dims) + " is too large: the product of its dimensions overflows int64");

    // Exact size check, with overflow guarded: a shape claiming more than the file holds is an
    // error here, before any allocation.
    std::uint64_t count = 1;
    bool overflow = false;
    const bool has_zero = std::find(dims.begin(), dims.end(), 0) != dims.end();
    for (index_t d : has_zero ? std::vector<index_t>{0} : dims) {
        const auto ud = static_cast<std::uint64_t>(d);
        if (ud != 0 && count > std::numeric_limits<std::uint64_t>::max() / sizeof(T) / ud) overflow = true;
        else count *= ud;
    }
    const std::uint64_t data_bytes = count * sizeof(T);
    if (overflow || data_bytes != file_size - header_end) {
        const std::string expected = overflow ? "more than 2^64" : std::to_string(header_end + data_bytes);
        const std::string detail = overflow || data_bytes > file_size - header_end
                                       ? "truncated"
                                       : "trailing bytes after the data";
        fail(fn, path,
             "wrong file size (" + detail + "): expected " + expected + " bytes (" +
                 std::to_string(header_end) + " header + shape " + dims_text(dims) + " of " + descr_of<T>() +
                 ") but the file has " + std::to_string(file_size) + " bytes");
    }

    // Fortran order is the row-major layout of the reversed shape; reversing the axes of that
    // gives the tensor, which contiguous() turns back into row-major.
    const bool fortran = *h.fortran_order && dims.size() > 1;
    std::vector<index_t> stored(dims);
    if (fortran) std::reverse(stored.begin(), stored.end());
    Tensor<T> t = Tensor<T>::empty(Shape(stored), fn);
    f.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(data_bytes));
    if (!f) fail(fn, path, "read failed in the data");
    if (!fortran) return t;
    Shape perm = Shape::filled(static_cast<int>(dims.size()), 0);
    for (int i = 0; i < perm.size(); ++i) perm[i] = perm.size() - 1 - i;
    return t.permute(perm).contiguous();
}

template Tensor<float> load_npy_stream<float>(std::istream&, std::uint64_t, const std::string&);
template Tensor<double> load_npy_stream<double>(std::istream&, std::uint64_t, const std::string&);

}  // namespace detail

template void save_npy<float>(const std::string&, const Tensor<float>&);
template void save_npy<double>(const std::string&, const Tensor<double>&);
template Tensor<float> load_npy<float>(const std::string&);
template Tensor<double> load_npy<double>(const std::string&);

}  // namespace tg
