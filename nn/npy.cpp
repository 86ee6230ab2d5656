#include "npy.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

[[noreturn]] void npy_error(const std::string& name, const std::string& what) {
    throw IOError("read_npy: " + name + ": " + what);
}

std::vector<unsigned char> read_file(const std::string& path, const char* fn) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IOError(std::string(fn) + ": " + path + ": cannot open");
    std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw IOError(std::string(fn) + ": " + path + ": read failed");
    return b;
}

void write_file(const std::string& path, const std::vector<unsigned char>& b, const char* fn) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size())) ||
        !f.flush())
        throw IOError(std::string(fn) + ": " + path + ": cannot write");
}

// numpy's header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// A small strict parser: exactly these three keys, in any order.
struct HeaderParser {
    const std::string& s;
    const std::string& name;
    std::size_t p = 0;
    void ws() {
        while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n')) ++p;
    }
    [[noreturn]] void bad(const std::string& what) const {
        npy_error(name, "corrupt header (" + what + " at character " + std::to_string(p) + "): " + s);
    }
    void expect(char c) {
        ws();
        if (p >= s.size() || s[p] != c) bad(std::string("expected '") + c + "'");
        ++p;
    }
    bool accept(char c) {
        ws();
        if (p < s.size() && s[p] == c) return ++p, true;
        return false;
    }
    std::string str() {
        ws();
        if (p >= s.size() || (s[p] != '\'' && s[p] != '"')) bad("expected a string");
        const char q = s[p++];
        const std::size_t e = s.find(q, p);
        if (e == std::string::npos) bad("unterminated string");
        std::string out = s.substr(p, e - p);
        p = e + 1;
        return out;
    }
    bool boolean() {
        ws();
        if (s.compare(p, 4, "True") == 0) return p += 4, true;
        if (s.compare(p, 5, "False") == 0) return p += 5, false;
        bad("expected True or False");
    }
    Shape shape() {
        expect('(');
        Shape sh;
        while (!accept(')')) {
            ws();
            std::size_t q = p;
            while (q < s.size() && s[q] >= '0' && s[q] <= '9') ++q;
            if (q == p || q - p > 18) bad("expected a non-negative dimension");
            if (sh.size() >= max_rank) bad("more than " + std::to_string(max_rank) + " dimensions");
            sh.push_back(std::stoll(s.substr(p, q - p)));
            p = q;
            if (!accept(',')) {
                expect(')');
                break;
            }
        }
        return sh;
    }
};

NpyType parse_descr(const std::string& d, const std::string& name) {
    for (NpyType t : {NpyType::f4, NpyType::f8, NpyType::i4, NpyType::i8, NpyType::u1, NpyType::b1})
        if (d == npy_descr(t)) return t;
    if (d == "<u1" || d == "=u1") return NpyType::u1;
    if (d == "<b1" || d == "=b1") return NpyType::b1;
    if (!d.empty() && d[0] == '>')
        npy_error(name, "big-endian dtype '" + d + "' (only little-endian data is read: use arr.astype('<" +
                            d.substr(1) + "') in numpy)");
    npy_error(name, "unsupported dtype '" + d + "' (supported: <f4 <f8 <i4 <i8 |u1 |b1)");
}

// Reorders Fortran-order data (column-major) to C order, element by element.
std::vector<unsigned char> fortran_to_c(const std::vector<unsigned char>& src, const Shape& shape,
                                        std::size_t item) {
    const int r = shape.size();
    std::vector<unsigned char> out(src.size());
    std::vector<index_t> idx(static_cast<std::size_t>(r), 0);
    const index_t n = shape.numel();
    for (index_t c = 0; c < n; ++c) {  // c walks C order; f is the same element's Fortran offset
        index_t f = 0, stride = 1;
        for (int k = 0; k < r; ++k) {
            f += idx[static_cast<std::size_t>(k)] * stride;
            stride *= shape[k];
        }
        std::memcpy(out.data() + static_cast<std::size_t>(c) * item,
                    src.data() + static_cast<std::size_t>(f) * item, item);
        for (int k = r - 1; k >= 0; --k) {
            if (++idx[static_cast<std::size_t>(k)] < shape[k]) break;
            idx[static_cast<std::size_t>(k)] = 0;
        }
    }
    return out;
}

std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}
std::uint16_t le16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
std::uint64_t le64(const unsigned char* p) {
    return std::uint64_t(le32(p)) | std::uint64_t(le32(p + 4)) << 32;
}
void put16(std::vector<unsigned char>& b, std::uint32_t v) {
    b.push_back(v & 0xff);
    b.push_back((v >> 8) & 0xff);
}
void put32(std::vector<unsigned char>& b, std::uint32_t v) {
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

}  // namespace

const char* npy_descr(NpyType t) {
    switch (t) {
        case NpyType::f4:
            return "<f4";
        case NpyType::f8:
            return "<f8";
        case NpyType::i4:
            return "<i4";
        case NpyType::i8:
            return "<i8";
        case NpyType::u1:
            return "|u1";
        case NpyType::b1:
            return "|b1";
    }
    return "?";
}

std::size_t npy_itemsize(NpyType t) {
    switch (t) {
        case NpyType::f4:
        case NpyType::i4:
            return 4;
        case NpyType::f8:
        case NpyType::i8:
            return 8;
        default:
            return 1;
    }
}

NpyArray parse_npy(const std::vector<unsigned char>& b, const std::string& name) {
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (b.size() < 6 || std::memcmp(b.data(), magic, 6) != 0)
        npy_error(name, b.size() < 6 ? "truncated: " + std::to_string(b.size()) + " bytes, no .npy magic"
                                     : "not a .npy file (the magic \\x93NUMPY is missing)");
    if (b.size() < 8) npy_error(name, "truncated in the version bytes");
    const int major = b[6], minor = b[7];
    if (major < 1 || major > 3 || minor != 0)
        npy_error(name, "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                            " (1.0, 2.0 and 3.0 are read)");
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    if (b.size() < 8 + len_bytes) npy_error(name, "truncated in the header length");
    const std::size_t hlen = major == 1 ? le16(b.data() + 8) : le32(b.data() + 8);
    const std::size_t start = 8 + len_bytes;
    if (b.size() - start < hlen)
        npy_error(name, "truncated header: " + std::to_string(hlen) + " bytes announced, " +
                            std::to_string(b.size() - start) + " present");
    const std::string h(reinterpret_cast<const char*>(b.data() + start), hlen);
    HeaderParser hp{h, name};
    std::string descr;
    bool fortran = false, have_d = false, have_f = false, have_s = false;
    Shape shape;
    hp.expect('{');
    while (!hp.accept('}')) {
        const std::string key = hp.str();
        hp.expect(':');
        if (key == "descr" && !have_d) descr = hp.str(), have_d = true;
        else if (key == "fortran_order" && !have_f) fortran = hp.boolean(), have_f = true;
        else if (key == "shape" && !have_s) shape = hp.shape(), have_s = true;
        else hp.bad("unexpected or repeated key '" + key + "'");
        if (!hp.accept(',')) {
            hp.expect('}');
            break;
        }
    }
    if (!have_d || !have_f || !have_s) hp.bad("a key of descr, fortran_order, shape is missing");
    NpyArray a;
    a.dtype = parse_descr(descr, name);
    // The element count, guarded against overflow before anything is allocated.
    const std::size_t item = npy_itemsize(a.dtype);
    std::size_t count = 1;
    for (int k = 0; k < shape.size(); ++k) {
        const auto d = static_cast<std::size_t>(shape[k]);
        if (d != 0 && count > (std::numeric_limits<std::size_t>::max() / item) / d)
            npy_error(name, "shape " + shape.str() + " overflows");
        count *= d;
    }
    const std::size_t need = count * item, have = b.size() - start - hlen;
    if (have < need)
        npy_error(name, "truncated data: shape " + shape.str() + " of " + descr + " needs " +
                            std::to_string(need) + " bytes, the file has " + std::to_string(have));
    if (have > need)
        npy_error(name,
                  std::to_string(have - need) + " bytes after the data of shape " + shape.str() + " " + descr);
    a.shape = shape;
    a.data.assign(b.begin() + static_cast<std::ptrdiff_t>(start + hlen), b.end());
    if (fortran && shape.size() > 1) a.data = fortran_to_c(a.data, shape, item);
    return a;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path, "read_npy"), path); }

std::vector<unsigned char> npy_bytes(const NpyArray& a) {
    if (a.data.size() != static_cast<std::size_t>(a.numel()) * npy_itemsize(a.dtype))
        throw ShapeError("write_npy: " + std::to_string(a.data.size()) + " bytes for shape " + a.shape.str() +
                         " " + npy_descr(a.dtype));
    std::string sh = "(";
    for (int k = 0; k < a.shape.size(); ++k)
        sh += std::to_string(a.shape[k]) + (a.shape.size() == 1 ? "," : k + 1 < a.shape.size() ? ", " : "");
    sh += ")";
    std::string h = "{'descr': '" + std::string(npy_descr(a.dtype)) +
                    "', 'fortran_order': False, 'shape': " + sh + ", }";
    // Pad with spaces so the data starts on a 64-byte boundary, as numpy does.
    const bool v2 = h.size() + 1 + 10 > 65535;
    const std::size_t pre = v2 ? 12 : 10;
    h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
    h += '\n';
    std::vector<unsigned char> b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(v2 ? 2 : 1), 0};
    if (v2) put32(b, static_cast<std::uint32_t>(h.size()));
    else put16(b, static_cast<std::uint32_t>(h.size()));
    b.insert(b.end(), h.begin(), h.end());
    b.insert(b.end(), a.data.begin(), a.data.end());
    return b;
}

void write_npy(const std::string& path, const NpyArray& a) { write_file(path, npy_bytes(a), "write_npy"); }

// ---- .npz: a zip archive (PKWARE APPNOTE) of .npy entries -------------------------------------

std::vector<std::pair<std::string, NpyArray>> read_npz(const std::string& path) {
    const std::vector<unsigned char> b = read_file(path, "read_npz");
    const auto fail = [&](const std::string& what) -> void {
        throw IOError("read_npz: " + path + ": " + what);
    };
    // The end-of-central-directory record: the last 22 bytes, before a comment of up to 65535.
    if (b.size() < 22) fail("not a zip archive (" + std::to_string(b.size()) + " bytes)");
    std::size_t eocd = std::string::npos;
    for (std::size_t p = b.size() - 22;; --p) {
        if (le32(b.data() + p) == 0x06054b50) {
            eocd = p;
            break;
        }
        if (p == 0 || b.size() - p > 22 + 65535) break;
    }
    if (eocd == std::string::npos) fail("not a zip archive (no end-of-central-directory record; truncated?)");
    std::uint64_t entries = le16(b.data() + eocd + 10), cd_size = le32(b.data() + eocd + 12),
                  cd_off = le32(b.data() + eocd + 16);
    // Zip64: the real values sit in a zip64 end record, found through its locator.
    if ((entries == 0xffff || cd_off == 0xffffffff) && eocd >= 20 && le32(b.data() + eocd - 20) == 0x07064b50) {
        const std::uint64_t z = le64(b.data() + eocd - 20 + 8);
        if (z > b.size() || b.size() - z < 56 || le32(b.data() + z) != 0x06064b50)
            fail("corrupt zip64 end record");
        entries = le64(b.data() + z + 32);
        cd_size = le64(b.data() + z + 40);
        cd_off = le64(b.data() + z + 48);
    }
    if (cd_off > b.size() || b.size() - cd_off < cd_size)
        fail("truncated: the central directory lies outside the file");
    std::vector<std::pair<std::string, NpyArray>> out;
    std::set<std::string> seen;  // a set: an archive may hold 65535 entries
    std::size_t p = static_cast<std::size_t>(cd_off);
    for (std::uint64_t e = 0; e < entries; ++e) {
        if (b.size() - p < 46 || le32(b.data() + p) != 0x02014b50)
            fail("corrupt central directory entry " + std::to_string(e));
        const unsigned flags = le16(b.data() + p + 8), method = le16(b.data() + p + 10);
        const std::uint32_t crc = le32(b.data() + p + 16);
        std::uint64_t csize = le32(b.data() + p + 20), usize = le32(b.data() + p + 24);
        const std::size_t nlen = le16(b.data() + p + 28), xlen = le16(b.data() + p + 30),
                          clen = le16(b.data() + p + 32);
        std::uint64_t local = le32(b.data() + p + 42);
        if (b.size() - p - 46 < nlen + xlen + clen) fail("truncated central directory");
        const std::string entry(reinterpret_cast<const char*>(b.data() + p + 46), nlen);
        // Zip64 extra field (id 1): the 64-bit sizes and offset, in this order, for the fields at 0xffffffff.
        for (std::size_t x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
            const unsigned id = le16(b.data() + x), sz = le16(b.data() + x + 2);
            if (x + 4 + sz > p + 46 + nlen + xlen) break;
            if (id == 1) {
                std::size_t q = x + 4;
                const auto take = [&](std::uint64_t& v) {
                    if (v == 0xffffffff && q + 8 <= x + 4 + sz) v = le64(b.data() + q), q += 8;
                };
                take(usize);
                take(csize);
                take(local);
            }
            x += 4 + sz;
        }
        p += 46 + nlen + xlen + clen;
        const std::string where = "entry '" + entry + "': ";
        if (flags & 1) fail(where + "encrypted entries are not supported");
        if (method != 0 && method != 8)
            fail(where + "compression method " + std::to_string(method) + " (only stored and deflate are read)");
        if (entry.size() < 5 || entry.compare(entry.size() - 4, 4, ".npy") != 0)
            fail(where + "not a .npy array");
        // npz_get returns the first of equal names: a second entry would be silently unreachable.
        if (!seen.insert(entry).second) fail(where + "the name appears twice in the archive");
        if (local > b.size() || b.size() - local < 30 || le32(b.data() + local) != 0x04034b50)
            fail(where + "corrupt or missing local header");
        const std::size_t data = static_cast<std::size_t>(local) + 30 + le16(b.data() + local + 26) +
                                 le16(b.data() + local + 28);
        if (data > b.size() || b.size() - data < csize) fail(where + "truncated data");
        // Deflate expands at most 1032:1, so a larger claim is a lie; refusing it before allocating
        // keeps a hostile header from asking for terabytes.
        if (method == 8 ? usize > csize * 1032 + 1024 : usize != csize)
            fail(where + "uncompressed size " + std::to_string(usize) + " does not fit the " +
                 std::to_string(csize) + " stored bytes");
        std::vector<unsigned char> raw;
        try {  // a hostile or huge (but plausible) size must end in the reader's error, not bad_alloc
            raw.resize(static_cast<std::size_t>(usize));
        } catch (const std::bad_alloc&) {
            fail(where + "uncompressed size " + std::to_string(usize) + " bytes: out of memory");
        }
        if (method == 0) {
            std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(data), usize, raw.begin());
        } else {
            z_stream z{};
            if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(where + "zlib inflateInit failed");
            z.next_in = const_cast<Bytef*>(b.data() + data);
            z.avail_in = static_cast<uInt>(csize);
            z.next_out = raw.data();
            z.avail_out = static_cast<uInt>(usize);
            const int r = inflate(&z, Z_FINISH);
            const std::uint64_t got = z.total_out;
            inflateEnd(&z);
            if (r != Z_STREAM_END || got != usize)
                fail(where + "corrupt deflate data (" +
                     (r == Z_STREAM_END ? "wrong size"
                      : z.msg           ? z.msg
                                        : "zlib error " + std::to_string(r)) +
                     ")");
        }
        if (crc32(0L, raw.data(), static_cast<uInt>(raw.size())) != crc)
            fail(where + "CRC mismatch (corrupt data)");
        try {
            out.emplace_back(entry.substr(0, entry.size() - 4), parse_npy(raw, path + ": " + entry));
        } catch (const IOError& err) {
            throw IOError(std::string("read_npz: ") + (err.what() + std::strlen("read_npy: ")));
        }
    }
    return out;
}

void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpyArray>>& arrays,
               bool compress) {
    for (std::size_t i = 0; i < arrays.size(); ++i) {
        if (arrays[i].first.empty()) throw DomainError("write_npz: " + path + ": an array has an empty name");
        for (std::size_t j = 0; j < i; ++j)
            if (arrays[j].first == arrays[i].first)
                throw DomainError("write_npz: " + path + ": the name '" + arrays[i].first + "' is used twice");
    }
    std::vector<unsigned char> zip, cd;
    for (const auto& [name, a] : arrays) {
        const std::vector<unsigned char> raw = npy_bytes(a);
        std::vector<unsigned char> body = raw;
        if (compress) {
            body.resize(compressBound(static_cast<uLong>(raw.size())) + 64);
            z_stream z{};
            deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            z.next_in = const_cast<Bytef*>(raw.data());
            z.avail_in = static_cast<uInt>(raw.size());
            z.next_out = body.data();
            z.avail_out = static_cast<uInt>(body.size());
            const int r = deflate(&z, Z_FINISH);
            body.resize(z.total_out);
            deflateEnd(&z);
            if (r != Z_STREAM_END) throw IOError("write_npz: " + path + ": deflate failed");
        }
        const std::string entry = name + ".npy";
        if (zip.size() > 0xffffffffu - body.size() || raw.size() > 0xffffffffu || entry.size() > 0xffff)
            throw IOError("write_npz: " + path + ": over 4 GiB (zip64 is not written)");
        const std::uint32_t crc = static_cast<std::uint32_t>(
            crc32(0L, raw.data(), static_cast<uInt>(raw.size())));
        const std::uint32_t offset = static_cast<std::uint32_t>(zip.size());
        const auto header = [&](std::vector<unsigned char>& o, bool central) {
            put32(o, central ? 0x02014b50 : 0x04034b50);
            if (central) put16(o, 20);  // made by
            put16(o, 20);               // version needed
            put16(o, 0);                // flags
            put16(o, compress ? 8 : 0);
            put16(o, 0);     // time
            put16(o, 0x21);  // date: 1980-01-01
            put32(o, crc);
            put32(o, static_cast<std::uint32_t>(body.size()));
            put32(o, static_cast<std::uint32_t>(raw.size()));
            put16(o, static_cast<std::uint32_t>(entry.size()));
            put16(o, 0);  // extra
            if (central) {
                put16(o, 0);  // comment
                put16(o, 0);  // disk
                put16(o, 0);  // internal attributes
                put32(o, 0);  // external attributes
                put32(o, offset);
            }
            o.insert(o.end(), entry.begin(), entry.end());
        };
        header(zip, false);
        zip.insert(zip.end(), body.begin(), body.end());
        header(cd, true);
    }
    if (arrays.size() > 0xffff) throw IOError("write_npz: " + path + ": over 65535 arrays");
    const std::uint32_t cd_off = static_cast<std::uint32_t>(zip.size());
    zip.insert(zip.end(), cd.begin(), cd.end());
    put32(zip, 0x06054b50);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, static_cast<std::uint32_t>(arrays.size()));
    put16(zip, static_cast<std::uint32_t>(arrays.size()));
    put32(zip, static_cast<std::uint32_t>(cd.size()));
    put32(zip, cd_off);
    put16(zip, 0);
    write_file(path, zip, "write_npz");
}

const NpyArray& npz_get(const std::vector<std::pair<std::string, NpyArray>>& arrays, const std::string& name) {
    std::string all;
    for (const auto& [n, a] : arrays) {
        if (n == name) return a;
        all += (all.empty() ? "" : ", ") + n;
    }
    throw DomainError("npz_get: no array '" + name + "' (the archive holds: " + all + ")");
}

template <class T>
Tensor<T> npy_to_tensor(const NpyArray& a) {
    const std::size_t n = static_cast<std::size_t>(a.numel()), item = npy_itemsize(a.dtype);
    if (a.data.size() != n * item)
        throw ShapeError("npy_to_tensor: " + std::to_string(a.data.size()) + " bytes for shape " +
                         a.shape.str() + " " + npy_descr(a.dtype));
    Tensor<T> t = Tensor<T>::empty(a.shape, "npy_to_tensor");
    T* out = t.data();
    const unsigned char* p = a.data.data();
    for (std::size_t i = 0; i < n; ++i, p += item) {
        switch (a.dtype) {  // memcpy: the bytes need not be aligned
            case NpyType::f4: {
                float v;
                std::memcpy(&v, p, 4);
                out[i] = static_cast<T>(v);
                break;
            }
            case NpyType::f8: {
                double v;
                std::memcpy(&v, p, 8);
                out[i] = static_cast<T>(v);
                break;
            }
            case NpyType::i4: {
                std::int32_t v;
                std::memcpy(&v, p, 4);
                out[i] = static_cast<T>(v);
                break;
            }
            case NpyType::i8: {
                std::int64_t v;
                std::memcpy(&v, p, 8);
                out[i] = static_cast<T>(v);
                break;
            }
            case NpyType::u1:
                out[i] = static_cast<T>(*p);
                break;
            case NpyType::b1:
                out[i] = *p ? T(1) : T(0);
                break;
        }
    }
    return t;
}

IndexArray npy_to_index(const NpyArray& a) {
    if (a.dtype == NpyType::f4 || a.dtype == NpyType::f8)
        throw DomainError(std::string("npy_to_index: dtype ") + npy_descr(a.dtype) +
                          " is not an integer type (expected <i4, <i8, |u1 or |b1)");
    const std::size_t n = static_cast<std::size_t>(a.numel()), item = npy_itemsize(a.dtype);
    if (a.data.size() != n * item)
        throw ShapeError("npy_to_index: " + std::to_string(a.data.size()) + " bytes for shape " + a.shape.str());
    IndexArray out{a.shape, std::vector<index_t>(n)};
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char* p = a.data.data() + i * item;
        if (a.dtype == NpyType::i4) {
            std::int32_t v;
            std::memcpy(&v, p, 4);
            out.data[i] = v;
        } else if (a.dtype == NpyType::i8) {
            std::int64_t v;
            std::memcpy(&v, p, 8);
            out.data[i] = v;
        } else {
            out.data[i] = a.dtype == NpyType::b1 ? (*p != 0) : *p;
        }
    }
    return out;
}

template <class T>
NpyArray to_npy(const Tensor<T>& t) {
    t.require_defined("to_npy");
    NpyArray a;
    a.dtype = std::is_same_v<T, float> ? NpyType::f4 : NpyType::f8;
    a.shape = t.shape();
    const std::vector<T> v = t.to_vector();  // C order whatever the layout
    a.data.resize(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
    return a;
}

NpyArray to_npy(const IndexArray& idx) {
    if (static_cast<std::size_t>(idx.shape.numel()) != idx.data.size())
        throw ShapeError("to_npy: " + std::to_string(idx.data.size()) + " indices for shape " + idx.shape.str());
    NpyArray a{NpyType::i8, idx.shape, std::vector<unsigned char>(idx.data.size() * 8)};
    for (std::size_t i = 0; i < idx.data.size(); ++i) {
        const std::int64_t v = idx.data[i];
        std::memcpy(a.data.data() + 8 * i, &v, 8);
    }
    return a;
}

template Tensor<float> npy_to_tensor<float>(const NpyArray&);
template Tensor<double> npy_to_tensor<double>(const NpyArray&);
template NpyArray to_npy<float>(const Tensor<float>&);
template NpyArray to_npy<double>(const Tensor<double>&);

}  // namespace tg::nn
