// Enum <-> name tables: an array of names indexed by the enumerator's value. One way to write
// every to_string()/from_string() pair of a wire-named enum.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace xmpp::core {

template <class Enum, std::size_t N>
constexpr std::string_view name_of(const std::array<std::string_view, N>& names, Enum value,
                                   std::string_view fallback) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : fallback;
}

template <class Enum, std::size_t N>
constexpr std::optional<Enum> value_of(const std::array<std::string_view, N>& names,
                                       std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace xmpp::core
