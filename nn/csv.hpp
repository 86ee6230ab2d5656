#pragma once
// CSV files with a header line (RFC 4180): fields separated by a delimiter, optionally quoted
// ("a, b" holds the delimiter, "" is a quote, a quoted field may span lines), CRLF or LF line
// ends, a UTF-8 byte-order mark ignored, blank lines skipped. Parsing keeps every field as text;
// csv_tensor and csv_labels then turn named columns into numbers, so one file can hold features,
// labels and comments side by side.
//
//   nn::CsvTable t = nn::read_csv("iris.csv");
//   Tensor<double> x = nn::csv_tensor<double>(t, {"sepal_length", "sepal_width"});   // (rows, 2)
//   std::vector<std::string> classes;
//   IndexArray y = nn::csv_labels(t, "species", &classes);
#include <cstdint>
#include <string>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"
#include "data.hpp"

namespace tg::nn {

struct CsvTable {
    std::string name;                            ///< the file (or the name given), for messages
    std::vector<std::string> header;             ///< column names, unique
    std::vector<std::vector<std::string>> rows;  ///< each with header.size() fields, unquoted
    std::vector<std::int64_t> lines;             ///< the 1-based file line where each row starts
    index_t num_rows() const { return static_cast<index_t>(rows.size()); }
    /// The index of a column. @throws DomainError naming the file, the column and the header
    index_t column(const std::string& name) const;
};

/// Parses CSV text. @throws IOError naming `name` and the line: no header, an empty or duplicate
/// column name, a row with another number of fields than the header, an unterminated quote, text
/// after a closing quote
CsvTable parse_csv(const std::string& text, const std::string& name = "<string>", char delimiter = ',');
/// Reads and parses a file. @throws IOError naming the file (cannot open, and as parse_csv)
CsvTable read_csv(const std::string& path, char delimiter = ',');

/// The named columns as a (rows, columns) tensor, in the order given. Fields are decimal numbers
/// (surrounding spaces allowed; nan and inf accepted as values).
/// @throws DomainError (an unknown column, no columns asked for), IOError naming the file, line and
/// column for a missing (empty) field, a field that is not a number, or one outside T's range
template <class T>
Tensor<T> csv_tensor(const CsvTable& t, const std::vector<std::string>& columns);

/// A label column as class indices (shape (rows)). If every field is a non-negative integer the
/// integers are the classes; otherwise each distinct text is a class, numbered in sorted order, and
/// `classes` (when given) receives the names (for integers: "0", "1", ... up to the largest).
/// @throws DomainError (unknown column), IOError naming the file, line and column for an empty field
IndexArray csv_labels(const CsvTable& t, const std::string& column,
                      std::vector<std::string>* classes = nullptr);

/// Feature columns and a label column as a dataset. @throws as csv_tensor and csv_labels
template <class T>
TensorDataset<T> csv_dataset(const CsvTable& t, const std::vector<std::string>& features,
                             const std::string& label, std::vector<std::string>* classes = nullptr);

/// Writes a header and rows of numbers (shortest round-trip form), for examples and tests.
/// @throws ShapeError (values not (rows, header.size())), IOError naming the file
template <class T>
void write_csv(const std::string& path, const std::vector<std::string>& header, const Tensor<T>& values);

}  // namespace tg::nn
