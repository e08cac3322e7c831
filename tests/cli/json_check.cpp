// Reads standard input and exits 0 when it is exactly one JSON object, 1 otherwise (for the CLI tests).
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

int main() {
  const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) {
      std::cerr << "json_check: the output is JSON but not an object\n";
      return 1;
    }
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "json_check: not valid JSON: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
