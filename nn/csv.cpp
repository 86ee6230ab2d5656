#include "csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

[[noreturn]] void csv_error(const std::string& fn, const std::string& name, std::int64_t line,
                            const std::string& what) {
    throw IOError(fn + ": " + name + ":" + std::to_string(line) + ": " + what);
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string column_error(const CsvTable& t, index_t row, index_t col, const std::string& what) {
    return t.name + ":" + std::to_string(t.lines[static_cast<std::size_t>(row)]) + ", column \"" +
           t.header[static_cast<std::size_t>(col)] + "\": " + what;
}

// A field as a double; `what` receives the reason when it is not one.
bool parse_number(const std::string& field, double& v, std::string& what) {
    std::string s = trim(field);
    if (s.empty()) return what = "missing value", false;
    const char* b = s.data() + (s[0] == '+' && s.size() > 1 && s[1] != '-' ? 1 : 0);  // not "+-1"
    const char* e = s.data() + s.size();
    const auto r = std::from_chars(b, e, v);
    if (r.ec == std::errc::result_out_of_range) return what = "\"" + s + "\" is out of range", false;
    if (r.ec != std::errc() || r.ptr != e || b == e) return what = "\"" + s + "\" is not a number", false;
    return true;
}

}  // namespace

index_t CsvTable::column(const std::string& col) const {
    for (std::size_t k = 0; k < header.size(); ++k)
        if (header[k] == col) return static_cast<index_t>(k);
    std::string all;
    for (const auto& h : header) all += (all.empty() ? "" : ", ") + h;
    throw DomainError("csv: " + name + ": no column \"" + col + "\" (the header has: " + all + ")");
}

CsvTable parse_csv(const std::string& text, const std::string& name, char delim) {
    const char* fn = "parse_csv";
    if (delim == '"' || delim == '\n' || delim == '\r')
        throw DomainError(std::string(fn) + ": the delimiter cannot be a quote or a line end");
    CsvTable t;
    t.name = name;
    std::size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    const std::size_t n = text.size();
    std::int64_t line = 1;
    bool have_header = false;
    while (pos < n) {
        const std::int64_t start = line;
        std::vector<std::string> fields;
        bool quoted_any = false;
        for (;;) {
            std::string f;
            if (pos < n && text[pos] == '"') {
                quoted_any = true;
                const std::int64_t open = line;
                ++pos;
                for (;;) {
                    if (pos >= n)
                        csv_error(fn, name, open,
                                  "unterminated quote (the field opened on this line never closes)");
                    const char c = text[pos];
                    if (c == '"') {
                        if (pos + 1 < n && text[pos + 1] == '"') {
                            f += '"';
                            pos += 2;
                            continue;
                        }
                        ++pos;
                        break;
                    }
                    if (c == '\n') ++line;
                    f += c;
                    ++pos;
                }
                if (pos < n && text[pos] != delim && text[pos] != '\n' &&
                    !(text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n'))
                    csv_error(fn, name, line,
                              "text after a closing quote (a quote inside a quoted field is written \"\")");
            } else {
                while (pos < n && text[pos] != delim && text[pos] != '\n' &&
                       !(text[pos] == '\r' && pos + 1 < n && text[pos + 1] == '\n'))
                    f += text[pos++];
            }
            fields.push_back(std::move(f));
            if (pos < n && text[pos] == delim) {
                ++pos;
                continue;
            }
            if (pos < n) pos += text[pos] == '\r' ? 2 : 1;
            ++line;
            break;
        }
        if (!quoted_any && fields.size() == 1 && trim(fields[0]).empty()) continue;  // a blank line
        if (!have_header) {
            for (std::size_t k = 0; k < fields.size(); ++k) {
                if (fields[k].empty())
                    csv_error(fn, name, start,
                              "column " + std::to_string(k + 1) + " of the header has no name");
                for (std::size_t j = 0; j < k; ++j)
                    if (fields[j] == fields[k])
                        csv_error(fn, name, start, "column \"" + fields[k] + "\" appears twice in the header");
            }
            t.header = std::move(fields);
            have_header = true;
            continue;
        }
        if (fields.size() != t.header.size())
            csv_error(fn, name, start,
                      std::to_string(fields.size()) + " fields, the header has " +
                          std::to_string(t.header.size()));
        t.rows.push_back(std::move(fields));
        t.lines.push_back(start);
    }
    if (!have_header) throw IOError(std::string(fn) + ": " + name + ": empty: no header line");
    return t;
}

CsvTable read_csv(const std::string& path, char delim) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IOError("read_csv: " + path + ": cannot open");
    std::ostringstream s;
    s << f.rdbuf();
    if (f.bad()) throw IOError("read_csv: " + path + ": read failed");
    return parse_csv(s.str(), path, delim);
}

template <class T>
Tensor<T> csv_tensor(const CsvTable& t, const std::vector<std::string>& columns) {
    if (columns.empty()) throw DomainError("csv_tensor: " + t.name + ": no columns asked for");
    std::vector<index_t> idx;
    for (const auto& c : columns) idx.push_back(t.column(c));
    const index_t rows = t.num_rows(), cols = static_cast<index_t>(idx.size());
    Tensor<T> out = Tensor<T>::empty({rows, cols}, "csv_tensor");
    T* p = out.data();
    for (index_t r = 0; r < rows; ++r)
        for (index_t k = 0; k < cols; ++k) {
            const index_t c = idx[static_cast<std::size_t>(k)];
            double v = 0;
            std::string what;
            if (!parse_number(t.rows[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)], v, what))
                throw IOError("csv_tensor: " + column_error(t, r, c, what));
            if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max()))
                throw IOError("csv_tensor: " +
                              column_error(t, r, c,
                                           "the value " + trim(t.rows[std::size_t(r)][std::size_t(c)]) +
                                               " is outside float's range"));
            p[r * cols + k] = static_cast<T>(v);
        }
    return out;
}

IndexArray csv_labels(const CsvTable& t, const std::string& column, std::vector<std::string>* classes) {
    const index_t c = t.column(column);
    const index_t rows = t.num_rows();
    std::vector<std::string> vals;
    bool integers = true;
    for (index_t r = 0; r < rows; ++r) {
        std::string s = trim(t.rows[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)]);
        if (s.empty()) throw IOError("csv_labels: " + column_error(t, r, c, "missing label"));
        integers = integers && s.size() <= 7 &&
                   std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        vals.push_back(std::move(s));
    }
    IndexArray out{Shape{rows}, std::vector<index_t>(static_cast<std::size_t>(rows))};
    if (integers) {  // at most 7 digits: the class list stays a sane size
        index_t top = -1;
        for (std::size_t r = 0; r < vals.size(); ++r) top = std::max(top, out.data[r] = std::stoll(vals[r]));
        if (classes) {
            classes->clear();
            for (index_t k = 0; k <= top; ++k) classes->push_back(std::to_string(k));
        }
        return out;
    }
    std::map<std::string, index_t> ids;
    for (const auto& v : vals) ids.emplace(v, 0);
    index_t next = 0;
    for (auto& [k, id] : ids) id = next++;
    for (std::size_t r = 0; r < vals.size(); ++r) out.data[r] = ids[vals[r]];
    if (classes) {
        classes->clear();
        for (const auto& [k, id] : ids) classes->push_back(k);
    }
    return out;
}

template <class T>
TensorDataset<T> csv_dataset(const CsvTable& t, const std::vector<std::string>& features,
                             const std::string& label, std::vector<std::string>* classes) {
    Tensor<T> x = csv_tensor<T>(t, features);
    return TensorDataset<T>(x, csv_labels(t, label, classes).data);
}

template <class T>
void write_csv(const std::string& path, const std::vector<std::string>& header, const Tensor<T>& values) {
    values.require_defined("write_csv");
    if (values.dim() != 2 || values.size(1) != static_cast<index_t>(header.size()))
        throw ShapeError("write_csv: values " + values.shape().str() + " for " +
                         std::to_string(header.size()) + " columns");
    std::string s;
    for (std::size_t k = 0; k < header.size(); ++k) {
        std::string h = header[k];
        if (h.find_first_of(",\"\r\n") != std::string::npos) {
            std::string q = "\"";
            for (char ch : h) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            h = q + "\"";
        }
        s += (k ? "," : "") + h;
    }
    s += "\n";
    const std::vector<T> v = values.to_vector();
    const std::size_t cols = header.size();
    char b[64];
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto r = std::to_chars(b, b + sizeof b, v[i]);
        s.append(b, r.ptr);
        s += (i + 1) % cols == 0 ? "\n" : ",";
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(s.data(), static_cast<std::streamsize>(s.size())) || !f.flush())
        throw IOError("write_csv: " + path + ": cannot write");
}

template Tensor<float> csv_tensor<float>(const CsvTable&, const std::vector<std::string>&);
template Tensor<double> csv_tensor<double>(const CsvTable&, const std::vector<std::string>&);
template TensorDataset<float> csv_dataset<float>(const CsvTable&, const std::vector<std::string>&,
                                                 const std::string&, std::vector<std::string>*);
template TensorDataset<double> csv_dataset<double>(const CsvTable&, const std::vector<std::string>&,
                                                   const std::string&, std::vector<std::string>*);
template void write_csv<float>(const std::string&, const std::vector<std::string>&, const Tensor<float>&);
template void write_csv<double>(const std::string&, const std::vector<std::string>&, const Tensor<double>&);

}  // namespace tg::nn
