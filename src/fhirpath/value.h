// The evaluator's internal values: small, trivially copyable, pointing into
// the input Json (FHIR nodes) or into the expression / evaluation arena
// (computed strings). Converted to the public Item only at the API edge.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhirpath/decimal.h"

namespace parcours::fhirpath {

// System kinds (FHIRPath N1 §4.1 "Literals"); FHIR primitives map onto them
// (FHIR R4 §2.3 "FHIRPath": code/id/uri... are Strings, date is a Date).
enum class VKind : std::uint8_t {
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
  kNode,    // a FHIR complex element or resource (type set)
  kObject,  // JSON without a known FHIR type (computed objects, unknown resources)
};

struct Value {
  VKind kind = VKind::kBoolean;
  // FHIR primitives only: false when the element has no value, only the
  // id/extension of its "_name" sibling (FHIR R4 §2.6.2.7).
  bool has_value = true;
  bool b = false;
  std::int64_t i = 0;
  Decimal d;                            // Decimal; Quantity value
  std::string_view s;                   // String; Date/DateTime/Time text; Quantity unit
  const fhir::TypeDef* type = nullptr;  // FHIR type of an input node; nullptr for System values
  const Json* node = nullptr;           // the input node (object, or the primitive's JSON value)
  const Json* ext = nullptr;            // a primitive's "_name" object (id, extension)
  const Json* resource = nullptr;       // the resource the node belongs to (resolve("#id"))

  bool is_fhir() const { return type != nullptr; }
  bool is_primitive() const { return kind <= VKind::kQuantity; }

  static Value boolean(bool v) {
    Value x;
    x.kind = VKind::kBoolean;
    x.b = v;
    return x;
  }
  static Value integer(std::int64_t v) {
    Value x;
    x.kind = VKind::kInteger;
    x.i = v;
    return x;
  }
  static Value decimal(const Decimal& v) {
    Value x;
    x.kind = VKind::kDecimal;
    x.d = v;
    return x;
  }
  static Value string(std::string_view v) {
    Value x;
    x.kind = VKind::kString;
    x.s = v;
    return x;
  }
  static Value temporal(VKind k, std::string_view text) {
    Value x;
    x.kind = k;
    x.s = text;
    return x;
  }
  static Value quantity(const Decimal& v, std::string_view unit) {
    Value x;
    x.kind = VKind::kQuantity;
    x.d = v;
    x.s = unit;
    return x;
  }
};

static_assert(std::is_trivially_copyable_v<Value>);

// A vector with inline room for N items (most FHIRPath collections hold
// zero or one item), for trivially copyable T only.
template <typename T, std::size_t N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVec() = default;
  SmallVec(std::initializer_list<T> init) {
    for (const T& v : init) push_back(v);
  }
  SmallVec(const SmallVec& o) { assign(o.data(), o.size()); }
  SmallVec(SmallVec&& o) noexcept { steal(o); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      size_ = 0;
      assign(o.data(), o.size());
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~SmallVec() { release(); }

  T* data() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* data() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }
  operator std::span<const T>() const { return {data(), size_}; }  // NOLINT

  void push_back(const T& v) {
    if (size_ == capacity()) grow(size_ * 2 + 1);
    std::memcpy(static_cast<void*>(data() + size_), &v, sizeof(T));
    ++size_;
  }
  // Appends what `make()` returns, built in place (C++17 guaranteed copy
  // elision): copying a T that was just built field by field stalls on
  // partial stores, which made push_back a tenth of a one-step path.
  template <typename F>
  void emplace_with(F&& make) {
    if (size_ == capacity()) grow(size_ * 2 + 1);
    ::new (static_cast<void*>(data() + size_)) T(make());
    ++size_;
  }
  void append(std::span<const T> vs) {
    if (vs.empty()) return;
    if (size_ + vs.size() > capacity()) grow(size_ + vs.size() + size_ / 2);
    std::memcpy(static_cast<void*>(data() + size_), vs.data(), vs.size() * sizeof(T));
    size_ += vs.size();
  }
  void reserve(std::size_t n) {
    if (n > capacity()) grow(n);
  }
  void clear() { size_ = 0; }
  void resize_down(std::size_t n) {
    if (n < size_) size_ = n;
  }
  void erase_at(std::size_t i) {
    std::memmove(static_cast<void*>(data() + i), data() + i + 1, (size_ - i - 1) * sizeof(T));
    --size_;
  }

 private:
  std::size_t capacity() const { return heap_ ? cap_ : N; }
  void grow(std::size_t n) {
    T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (!p) throw std::bad_alloc();
    if (size_) std::memcpy(static_cast<void*>(p), data(), size_ * sizeof(T));
    if (heap_) std::free(heap_);
    heap_ = p;
    cap_ = n;
  }
  void assign(const T* p, std::size_t n) {
    reserve(n);
    if (n) std::memcpy(static_cast<void*>(data()), p, n * sizeof(T));
    size_ = n;
  }
  void steal(SmallVec& o) {
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      size_ = o.size_;
      o.heap_ = nullptr;
      o.size_ = 0;
      o.cap_ = 0;
    } else {
      heap_ = nullptr;
      size_ = 0;
      assign(o.data(), o.size_);
      o.size_ = 0;
    }
  }
  void release() {
    if (heap_) std::free(heap_);
    heap_ = nullptr;
    size_ = 0;
    cap_ = 0;
  }

  alignas(T) unsigned char inline_[sizeof(T) * N];
  T* heap_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

using Coll = SmallVec<Value, 2>;
using Span = std::span<const Value>;

}  // namespace parcours::fhirpath
