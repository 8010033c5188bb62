// The PPS as a PDF, with libHaru (libhpdf, Debian's libhpdf-dev): A4,
// Helvetica in WinAnsiEncoding (the PDF standard fonts need no embedding,
// and WinAnsi holds every French letter, œ and € included).
#include <hpdf.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coordination/workflow/pps_document.h"

namespace parcours::coordination {

namespace {

// UTF-8 to Windows-1252 (WinAnsiEncoding, PDF 32000-1 Annex D): Latin-1 as
// is, the 0x80-0x9F specials from their code points, '?' for the rest.
std::string to_win_ansi(std::string_view s) {
  static constexpr std::pair<char32_t, unsigned char> kSpecials[] = {
      {0x20AC, 0x80}, {0x201A, 0x82}, {0x0192, 0x83}, {0x201E, 0x84}, {0x2026, 0x85}, {0x2020, 0x86},
      {0x2021, 0x87}, {0x02C6, 0x88}, {0x2030, 0x89}, {0x0160, 0x8A}, {0x2039, 0x8B}, {0x0152, 0x8C},
      {0x017D, 0x8E}, {0x2018, 0x91}, {0x2019, 0x92}, {0x201C, 0x93}, {0x201D, 0x94}, {0x2022, 0x95},
      {0x2013, 0x96}, {0x2014, 0x97}, {0x02DC, 0x98}, {0x2122, 0x99}, {0x0161, 0x9A}, {0x203A, 0x9B},
      {0x0153, 0x9C}, {0x017E, 0x9E}, {0x0178, 0x9F}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = b;
    std::size_t n = 1;
    if (b >= 0xF0) {
      n = 4;
      cp = b & 0x07;
    } else if (b >= 0xE0) {
      n = 3;
      cp = b & 0x0F;
    } else if (b >= 0xC0) {
      n = 2;
      cp = b & 0x1F;
    }
    if (i + n > s.size()) break;
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
      out.push_back(static_cast<char>(cp));
    } else if (cp == 0x202F || cp == 0x2009) {  // thin spaces of French typography
      out.push_back(' ');
    } else {
      char c = '?';
      for (const auto& [from, to] : kSpecials)
        if (from == cp) c = static_cast<char>(to);
      out.push_back(c);
    }
  }
  return out;
}

struct Writer {
  HPDF_Doc pdf;
  HPDF_Font regular, bold;
  HPDF_Page page = nullptr;
  float y = 0;
  static constexpr float kWidth = 595.276f, kHeight = 841.89f, kMargin = 50;

  void new_page() {
    page = HPDF_AddPage(pdf);
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    y = kHeight - kMargin;
  }

  // Writes `text` wrapped to the width, starting a page when needed.
  void paragraph(std::string_view utf8, HPDF_Font font, float size, float indent = 0, float after = 4) {
    const std::string text = to_win_ansi(utf8);
    const float width = kWidth - 2 * kMargin - indent;
    std::size_t at = 0;
    do {
      if (y < kMargin + size) new_page();
      HPDF_Page_SetFontAndSize(page, font, size);
      HPDF_REAL used = 0;
      HPDF_UINT n = HPDF_Page_MeasureText(page, text.c_str() + at, width, HPDF_TRUE, &used);
      if (n == 0)  // one word wider than the line: cut it
        n = HPDF_Page_MeasureText(page, text.c_str() + at, width, HPDF_FALSE, &used);
      if (n == 0) n = 1;
      std::string line = text.substr(at, n);
      HPDF_Page_BeginText(page);
      HPDF_Page_TextOut(page, kMargin + indent, y - size, line.c_str());
      HPDF_Page_EndText(page);
      y -= size * 1.3f;
      at += n;
      while (at < text.size() && text[at] == ' ') ++at;
    } while (at < text.size());
    y -= after;
  }
};

void on_error(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
  auto* code = static_cast<HPDF_STATUS*>(user);
  if (*code == 0) *code = error ? error : detail;
}

}  // namespace

Result<std::string> render_pps_pdf(const PpsDocument& doc) {
  HPDF_STATUS failure = 0;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, decltype(&HPDF_Free)> pdf(HPDF_New(on_error, &failure),
                                                                             &HPDF_Free);
  if (!pdf) return internal_error("PDF: cannot start a document");
  HPDF_SetCompressionMode(pdf.get(), HPDF_COMP_ALL);
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_CREATOR, "Parcours");
  Writer w{pdf.get(), HPDF_GetFont(pdf.get(), "Helvetica", "WinAnsiEncoding"),
           HPDF_GetFont(pdf.get(), "Helvetica-Bold", "WinAnsiEncoding")};
  w.new_page();
  w.paragraph("Plan personnalisé de santé (PPS)", w.regular, 10);
  w.paragraph(doc.title, w.bold, 16, 0, 6);
  w.paragraph(doc.patient, w.regular, 11);
  w.paragraph(doc.status, w.bold, 11);
  if (!doc.validation.empty()) w.paragraph(doc.validation, w.regular, 11);
  if (!doc.period.empty()) w.paragraph("Période : " + doc.period, w.regular, 11);
  if (!doc.description.empty()) w.paragraph(doc.description, w.regular, 10, 0, 8);
  w.paragraph("Objectifs", w.bold, 13, 0, 6);
  if (doc.goals.empty()) w.paragraph("Aucun objectif lisible.", w.regular, 10);
  for (const auto& g : doc.goals) w.paragraph("• " + g, w.regular, 10, 8, 2);
  for (const auto& section : doc.sections) {
    w.y -= 8;
    w.paragraph(section.title, w.bold, 13, 0, 6);
    if (!section.note.empty()) w.paragraph(section.note, w.regular, 10);
    for (const auto& r : section.rows) {
      w.paragraph(r.what, w.bold, 10, 0, 1);
      if (!r.detail.empty()) w.paragraph(r.detail, w.regular, 9, 12, 1);
      std::string facts;
      for (const auto& [label, value] :
           {std::pair{"Quand : ", &r.when}, {"Qui : ", &r.who}, {"État : ", &r.status}})
        if (!value->empty()) facts += (facts.empty() ? "" : " — ") + std::string(label) + *value;
      if (!facts.empty()) w.paragraph(facts, w.regular, 9, 12, 6);
    }
  }
  w.y -= 8;
  w.paragraph(doc.footer, w.regular, 8);
  if (failure) return internal_error("PDF: libharu error " + std::to_string(failure));
  if (HPDF_SaveToStream(pdf.get()) != HPDF_OK || failure)
    return internal_error("PDF: cannot write the document (libharu error " + std::to_string(failure) + ")");
  std::string out(HPDF_GetStreamSize(pdf.get()), '\0');
  HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
  if (HPDF_ReadFromStream(pdf.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &size) != HPDF_OK &&
      size != out.size())
    return internal_error("PDF: cannot read the document back");
  out.resize(size);
  return out;
}

}  // namespace parcours::coordination
