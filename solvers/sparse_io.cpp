// Matrix Market coordinate files (sparse.hpp). Every failure is an IOError naming the file and the
// line; nothing is allocated from a declared size before the entries are actually read, so a
// hostile header cannot ask for terabytes.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <istream>
#include <limits>
#include <new>
#include <sstream>

#include "../tensor/error.hpp"
#include "sparse.hpp"

namespace tg::solvers {

namespace {

constexpr index_t max_dim = index_t{1} << 48;  // more rows than any memory holds; keeps row_ptr allocations
                                               // sane

[[noreturn]] void fail(const std::string& name, long line, const std::string& what) {
    throw IOError("read_matrix_market: " + name + ", line " + std::to_string(line) + ": " + what);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// Splits on whitespace.
std::vector<std::string> fields(const std::string& s) {
    std::istringstream is(s);
    std::vector<std::string> f;
    std::string w;
    while (is >> w) f.push_back(w);
    return f;
}

bool parse_int(const std::string& s, index_t& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno == ERANGE || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
}

bool parse_real(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

}  // namespace

template <class T>
CsrMatrix<T> read_matrix_market(std::istream& in, const std::string& name, bool expand_symmetric) {
    std::string line;
    long ln = 0;
    if (!std::getline(in, line)) fail(name, 1, "empty file (expected the %%MatrixMarket banner)");
    ln = 1;
    const auto banner = fields(lower(line));
    if (banner.empty() || banner[0] != "%%matrixmarket")
        fail(name, ln, "expected the banner \"%%MatrixMarket matrix coordinate real general\"");
    if (banner.size() != 5 || banner[1] != "matrix")
        fail(name, ln, "banner must have 5 fields: %%MatrixMarket matrix <format> <field> <symmetry>");
    if (banner[2] != "coordinate")
        fail(name, ln, "format '" + banner[2] + "' is not supported (only coordinate)");
    const std::string field = banner[3], sym = banner[4];
    if (field != "real" && field != "integer" && field != "pattern" && field != "double")
        fail(name, ln, "field '" + field + "' is not supported (real, integer or pattern)");
    if (sym != "general" && sym != "symmetric")
        fail(name, ln, "symmetry '" + sym + "' is not supported (general or symmetric)");
    const bool pattern = field == "pattern", symmetric = sym == "symmetric", integer = field == "integer";

    // Size line, after comments and blank lines.
    index_t rows = -1, cols = -1, declared = -1;
    while (std::getline(in, line)) {
        ++ln;
        if (blank(line) || line[0] == '%') continue;
        const auto f = fields(line);
        if (f.size() != 3 || !parse_int(f[0], rows) || !parse_int(f[1], cols) || !parse_int(f[2], declared))
            fail(name, ln, "expected the size line \"rows cols entries\", got \"" + line.substr(0, 80) + "\"");
        if (rows < 0 || cols < 0 || declared < 0)
            fail(name, ln, "negative size in \"" + line.substr(0, 80) + "\"");
        if (rows > max_dim || cols > max_dim)
            fail(name, ln,
                 "size " + std::to_string(rows) + " x " + std::to_string(cols) +
                     " exceeds 2^48 rows or columns");
        if (symmetric && rows != cols)
            fail(name, ln,
                 "a symmetric matrix must be square, got " + std::to_string(rows) + " x " +
                     std::to_string(cols));
        index_t cap;
        if (!__builtin_mul_overflow(rows, cols, &cap) && declared > cap)
            fail(name, ln,
                 std::to_string(declared) + " entries declared for a " + std::to_string(rows) + " x " +
                     std::to_string(cols) + " matrix");
        break;
    }
    if (declared < 0) fail(name, ln + 1, "truncated: no size line");

    CooMatrix<T> c;
    c.rows = rows;
    c.cols = cols;
    c.symmetric = symmetric && !expand_symmetric;
    const std::size_t expect = pattern ? 2 : 3;
    index_t seen = 0;
    while (std::getline(in, line)) {
        ++ln;
        if (blank(line) || line[0] == '%') continue;
        if (seen == declared)
            fail(name, ln, "more entries than the " + std::to_string(declared) + " declared");
        const auto f = fields(line);
        index_t i = 0, j = 0;
        double v = 1;
        if (f.size() != expect || !parse_int(f[0], i) || !parse_int(f[1], j))
            fail(name, ln,
                 "expected \"row col" + std::string(pattern ? "" : " value") + "\", got \"" +
                     line.substr(0, 80) + "\"");
        if (!pattern) {
            index_t iv = 0;
            if (integer ? !parse_int(f[2], iv) : !parse_real(f[2], v))
                fail(name, ln,
                     "value '" + f[2].substr(0, 40) + "' is not a" + (integer ? "n integer" : " number"));
            if (integer) v = static_cast<double>(iv);
            if (!std::isfinite(v)) fail(name, ln, "value '" + f[2].substr(0, 40) + "' is not finite");
            if (std::abs(v) > static_cast<double>(std::numeric_limits<T>::max()))
                fail(name, ln, "value '" + f[2].substr(0, 40) + "' overflows the element type");
        }
        if (i < 1 || j < 1 || i > rows || j > cols)
            fail(name, ln,
                 "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is outside a " +
                     std::to_string(rows) + " x " + std::to_string(cols) + " matrix (indices start at 1)");
        --i;
        --j;
        if (symmetric && j > i) std::swap(i, j);  // tolerated: the upper triangle stands for the lower
        c.row.push_back(i);
        c.col.push_back(j);
        c.values.push_back(static_cast<T>(v));
        if (symmetric && expand_symmetric && i != j) {
            c.row.push_back(j);
            c.col.push_back(i);
            c.values.push_back(static_cast<T>(v));
        }
        ++seen;
    }
    if (in.bad()) fail(name, ln, "read error");
    if (seen != declared)
        fail(name, ln,
             "truncated: " + std::to_string(declared) + " entries declared, " + std::to_string(seen) + " found");
    try {
        return from_triplets(c);
    } catch (const std::bad_alloc&) {
        fail(name, 2,
             "a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix is too large to allocate");
    } catch (const std::length_error&) {
        fail(name, 2,
             "a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix is too large to allocate");
    }
}

template <class T>
CsrMatrix<T> read_matrix_market(const std::string& path, bool expand_symmetric) {
    std::ifstream f(path);
    if (!f) throw IOError("read_matrix_market: cannot open " + path);
    return read_matrix_market<T>(f, path, expand_symmetric);
}

template <class T>
void write_matrix_market(std::ostream& out, const CsrMatrix<T>& a) {
    const SparsePattern& p = a.pattern();
    out << "%%MatrixMarket matrix coordinate real " << (p.symmetric() ? "symmetric" : "general") << "\n";
    out << "% written by tensorgrad\n";
    out << p.rows() << " " << p.cols() << " " << p.nnz() << "\n";
    out << std::setprecision(std::numeric_limits<T>::max_digits10);
    const std::vector<T> v = a.values().to_vector();
    for (index_t k = 0; k < p.nnz(); ++k)
        out << p.row_of()[k] + 1 << " " << p.col()[k] + 1 << " " << v[k] << "\n";
}

template <class T>
void write_matrix_market(const std::string& path, const CsrMatrix<T>& a) {
    std::ofstream f(path);
    if (!f) throw IOError("write_matrix_market: cannot open " + path + " for writing");
    write_matrix_market(f, a);
    f.flush();
    if (!f) throw IOError("write_matrix_market: writing " + path + " failed");
}

#define TG_MM_INSTANTIATE(T)                                                              \
    template CsrMatrix<T> read_matrix_market<T>(std::istream&, const std::string&, bool); \
    template CsrMatrix<T> read_matrix_market<T>(const std::string&, bool);                \
    template void write_matrix_market(std::ostream&, const CsrMatrix<T>&);                \
    template void write_matrix_market(const std::string&, const CsrMatrix<T>&);
TG_MM_INSTANTIATE(float)
TG_MM_INSTANTIATE(double)
#undef TG_MM_INSTANTIATE

}  // namespace tg::solvers
