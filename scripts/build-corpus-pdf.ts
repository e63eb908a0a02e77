/**
 * Writes the PDF files of the bundled corpus (corpus/en/energy-quick-facts.pdf and
 * corpus/fr/chiffres-cles-energie.pdf) by hand, without any PDF library.
 *
 * The output is a plain PDF 1.4 file: Helvetica and Helvetica-Bold (standard Type1 fonts, not
 * embedded) with WinAnsiEncoding, text drawn with BT/Tf/Td/Tj/ET, greedy line wrapping with the
 * standard Helvetica glyph widths, uncompressed content streams and exact xref offsets.
 * It is deterministic: no dates, no random IDs, so rebuilding gives byte-identical files.
 *
 * Run after `npm run build`:  node dist/scripts/build-corpus-pdf.js [repo root]
 * The repo root defaults to the nearest folder above this script holding package.json and
 * corpus/, else the current directory.
 */
import fs from 'node:fs';
import path from 'node:path';

type BlockKind = 'title' | 'heading' | 'para' | 'bullet';
interface Block {
  kind: BlockKind;
  text: string;
}
interface PdfSource {
  /** Path relative to the repo root. */
  file: string;
  title: string;
  lang: string;
  blocks: Block[];
}

const t = (text: string): Block => ({ kind: 'title', text });
const h = (text: string): Block => ({ kind: 'heading', text });
const p = (text: string): Block => ({ kind: 'para', text });
const b = (text: string): Block => ({ kind: 'bullet', text });

export const SOURCES: readonly PdfSource[] = [
  {
    file: 'corpus/en/energy-quick-facts.pdf',
    title: 'Energy quick facts: generative AI',
    lang: 'en',
    blocks: [
      t('Energy quick facts: generative AI'),
      p('These quick facts summarise public figures on the energy, carbon and water footprint of generative AI. Every figure below is an estimate from the named source, not a measurement.'),
      h('Training'),
      b("Meta's LLaMA 2 paper (Touvron et al., 2023) reports that pretraining LLaMA 2 70B emitted about 291.42 tCO2eq."),
      b("Meta's LLaMA 2 paper reports about 539 tCO2eq for pretraining the whole LLaMA 2 family of 7B, 13B, 34B and 70B models."),
      b("Meta's Llama 3 model card reports an estimated 2,290 tCO2eq for pretraining Llama 3 8B and Llama 3 70B, which used 7.7 million H100 GPU hours."),
      b('Luccioni, Viguier and Ligozat (2022) estimated that training BLOOM 176B emitted about 24.7 tCO2eq from its electricity use, and about 50.5 tCO2eq with hardware manufacturing and idle consumption included.'),
      h('Inference'),
      b('A ChatGPT-style request was estimated to use about 2.9 Wh of electricity, roughly ten times the 0.3 Wh of a web search (de Vries, 2023; IEA, Electricity 2024).'),
      b('Google (Elsworth et al., 2025) reported that the median Gemini Apps text prompt used about 0.24 Wh of energy.'),
      b("Patterson et al. (2022) reported that about three-fifths of Google's machine learning energy went to inference and two-fifths to training from 2019 to 2021."),
      h('Electricity demand'),
      b('The IEA Electricity 2024 report estimated that data centres consumed about 460 TWh of electricity in 2022.'),
      b('The IEA Electricity 2024 report projected that data centres, AI and cryptocurrencies could consume more than 1,000 TWh in 2026, roughly the electricity consumption of Japan.'),
      b('The IEA Energy and AI report (2025) estimated data-centre consumption at about 415 TWh in 2024 and about 945 TWh by 2030 in its base case.'),
      h('Water'),
      b('Li et al. estimated in "Making AI Less Thirsty" (2023) that a GPT-3 class model consumes about 500 mL of water for roughly 10 to 50 medium-length responses, depending on where and when it runs.'),
      b('On-site water is evaporated to cool the data centre, while off-site water is consumed by the power plants that generate its electricity.'),
      h('Reducing the footprint'),
      b('Answering from retrieval, by quoting a passage that already answers the question, avoids the LLM call and its energy, emissions and water.'),
      b('Using the smallest model that does the job and asking for shorter outputs reduce the energy of each request.'),
      b('Deduplicating data, re-embedding only the documents that changed, and updating models instead of retraining from scratch save computation.'),
      b('Running flexible jobs where and when electricity is low-carbon reduces emissions; CodeCarbon uses 475 gCO2e/kWh as the world-average grid carbon intensity.'),
    ],
  },
  {
    file: 'corpus/fr/chiffres-cles-energie.pdf',
    title: 'Chiffres clés\u00a0: énergie et IA générative',
    lang: 'fr',
    blocks: [
      t('Chiffres clés\u00a0: énergie et IA générative'),
      p('Ces chiffres clés résument des données publiques sur l\u2019empreinte énergétique, carbone et hydrique de l\u2019IA générative. Chaque chiffre ci-dessous est une estimation issue de la source citée, et non une mesure.'),
      h('Entraînement'),
      b('Selon l\u2019article de Meta sur LLaMA 2 (Touvron et al., 2023), le pré-entraînement de LLaMA 2 70B a émis environ 291,42\u00a0tCO2e.'),
      b('L\u2019article de Meta sur LLaMA 2 indique environ 539\u00a0tCO2e pour le pré-entraînement de toute la famille LLaMA 2 (modèles 7B, 13B, 34B et 70B).'),
      b('Selon la fiche du modèle Llama 3 publiée par Meta, le pré-entraînement de Llama 3 8B et de Llama 3 70B a émis environ 2290\u00a0tCO2e, pour 7,7 millions d\u2019heures de GPU H100.'),
      b('Luccioni, Viguier et Ligozat (2022) ont estimé que l\u2019entraînement de BLOOM 176B a émis environ 24,7\u00a0tCO2e du fait de sa consommation d\u2019électricité, et environ 50,5\u00a0tCO2e en incluant la fabrication du matériel et la consommation au repos.'),
      h('Inférence'),
      b('Une requête de type ChatGPT a été estimée à environ 2,9\u00a0Wh d\u2019électricité, soit à peu près dix fois les 0,3\u00a0Wh d\u2019une recherche sur le Web (de Vries, 2023\u00a0; AIE, Electricity 2024).'),
      b('Google (Elsworth et al., 2025) a indiqué qu\u2019une requête textuelle médiane aux applications Gemini consommait environ 0,24\u00a0Wh.'),
      b('Selon Patterson et al. (2022), environ trois cinquièmes de l\u2019énergie consacrée par Google à l\u2019apprentissage automatique allaient à l\u2019inférence, et deux cinquièmes à l\u2019entraînement, de 2019 à 2021.'),
      h('Demande d\u2019électricité'),
      b('Le rapport Electricity 2024 de l\u2019AIE a estimé la consommation des centres de données à environ 460\u00a0TWh en 2022.'),
      b('Le rapport Electricity 2024 de l\u2019AIE prévoyait que les centres de données, l\u2019IA et les cryptomonnaies pourraient consommer plus de 1000\u00a0TWh en 2026, soit à peu près la consommation d\u2019électricité du Japon.'),
      b('Le rapport Energy and AI de l\u2019AIE (2025) a estimé la consommation des centres de données à environ 415\u00a0TWh en 2024, et à environ 945\u00a0TWh en 2030 dans son scénario de référence.'),
      h('Eau'),
      b('Dans \u00ab\u00a0Making AI Less Thirsty\u00a0\u00bb (2023), Li et al. ont estimé qu\u2019un modèle de la classe de GPT-3 consomme environ 500\u00a0mL d\u2019eau pour 10 à 50 réponses de longueur moyenne, selon le lieu et le moment.'),
      b('L\u2019eau consommée sur site est évaporée pour refroidir le centre de données, tandis que l\u2019eau consommée hors site l\u2019est par les centrales qui produisent son électricité.'),
      h('Réduire l\u2019empreinte'),
      b('Répondre à partir de la recherche, en citant un passage qui contient déjà la réponse, évite l\u2019appel au LLM, avec son énergie, ses émissions et son eau.'),
      b('Choisir le plus petit modèle qui fait l\u2019affaire et demander des réponses plus courtes réduisent l\u2019énergie de chaque requête.'),
      b('Dédupliquer les données, ne recalculer les plongements que des documents modifiés et mettre à jour les modèles plutôt que de les réentraîner à partir de zéro économisent du calcul.'),
      b('Lancer les tâches flexibles là où et quand l\u2019électricité est bas carbone réduit les émissions\u00a0; CodeCarbon retient 475\u00a0gCO2e/kWh comme intensité carbone moyenne mondiale.'),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// WinAnsiEncoding and the standard Helvetica glyph widths (1/1000 em), for codes 32..255.

const WIN_ANSI_HIGH: Readonly<Record<number, number>> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
  0x202f: 0xa0, // narrow no-break space: drawn as a no-break space
};

const HELVETICA: readonly number[] = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
  556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, 350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
  278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
  667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
  556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];
const HELVETICA_BOLD: readonly number[] = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
  556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, 350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
  278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
  722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
  556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

type FontKey = 'F1' | 'F2';
const WIDTHS: Readonly<Record<FontKey, readonly number[]>> = { F1: HELVETICA, F2: HELVETICA_BOLD };

/** Unicode text to WinAnsi bytes; throws on a character the encoding cannot show. */
export function toWinAnsi(text: string): number[] {
  const out: number[] = [];
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) as number;
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) out.push(cp);
    else if (WIN_ANSI_HIGH[cp] !== undefined) out.push(WIN_ANSI_HIGH[cp]);
    else throw new Error(`Character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (${ch}) has no WinAnsiEncoding code in: ${text}`);
  }
  return out;
}

function widthOf(bytes: readonly number[], font: FontKey, size: number): number {
  const table = WIDTHS[font];
  let units = 0;
  for (const c of bytes) units += table[c - 32] ?? 0;
  return (units * size) / 1000;
}

/** Bind a number to its unit with a no-break space, so a line never ends between them. */
function bindUnits(text: string): string {
  return text.replace(/(\d) (?=(?:Wh|kWh|TWh|mL|tCO2eq|tCO2e|gCO2e)\b)/g, '$1\u00a0');
}

/** Greedy wrap on ordinary spaces (no-break spaces never break a line). */
export function wrap(text: string, font: FontKey, size: number, maxWidth: number): number[][] {
  const words = bindUnits(text).split(' ').filter((w) => w !== '').map(toWinAnsi);
  const lines: number[][] = [];
  let line: number[] = [];
  for (const word of words) {
    const candidate = line.length === 0 ? word : [...line, 0x20, ...word];
    if (line.length > 0 && widthOf(candidate, font, size) > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** A PDF literal string: ASCII as is, ( ) \ escaped, everything else as octal escapes. */
function pdfString(bytes: readonly number[]): string {
  let s = '(';
  for (const c of bytes) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else s += '\\' + c.toString(8).padStart(3, '0');
  }
  return s + ')';
}

/** A text string for the document information dictionary: UTF-16BE with a byte order mark. */
function pdfTextString(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

const num = (n: number): string => {
  const s = n.toFixed(2);
  return s.replace(/\.?0+$/, '') || '0';
};

// ---------------------------------------------------------------------------------------------
// Layout

const PAGE_W = 595;
const PAGE_H = 842;
const MARGIN_X = 56;
const MARGIN_TOP = 64;
const MARGIN_BOTTOM = 60;
const BULLET_INDENT = 14;

interface Style {
  font: FontKey;
  size: number;
  leading: number;
  before: number;
  after: number;
}
const STYLES: Readonly<Record<BlockKind, Style>> = {
  title: { font: 'F2', size: 18, leading: 23, before: 0, after: 8 },
  heading: { font: 'F2', size: 12, leading: 16, before: 8, after: 2 },
  para: { font: 'F1', size: 10, leading: 13.5, before: 0, after: 5 },
  bullet: { font: 'F1', size: 10, leading: 13.5, before: 0, after: 3 },
};

interface Run {
  font: FontKey;
  size: number;
  x: number;
  y: number;
  bytes: number[];
}

/** Lay the blocks out on pages; returns the runs of each page. */
export function layout(blocks: readonly Block[]): Run[][] {
  const pages: Run[][] = [[]];
  let y = PAGE_H - MARGIN_TOP;
  const textWidth = PAGE_W - 2 * MARGIN_X;
  blocks.forEach((block, index) => {
    const st = STYLES[block.kind];
    const indent = block.kind === 'bullet' ? BULLET_INDENT : 0;
    const lines = wrap(block.text, st.font, st.size, textWidth - indent);
    // Keep a heading with at least two lines of what follows it.
    const next = blocks[index + 1];
    const keep = block.kind === 'heading' && next ? 2 * STYLES[next.kind].leading : 0;
    const needed = st.before + lines.length * st.leading + keep;
    if (y - needed < MARGIN_BOTTOM && pages[pages.length - 1].length > 0) {
      pages.push([]);
      y = PAGE_H - MARGIN_TOP;
    } else {
      y -= st.before;
    }
    lines.forEach((line, i) => {
      y -= i === 0 ? st.size : st.leading;
      if (y < MARGIN_BOTTOM) {
        pages.push([]);
        y = PAGE_H - MARGIN_TOP - st.size;
      }
      const target = pages[pages.length - 1];
      if (block.kind === 'bullet' && i === 0) target.push({ font: st.font, size: st.size, x: MARGIN_X, y, bytes: [0x95] });
      target.push({ font: st.font, size: st.size, x: MARGIN_X + indent, y, bytes: line });
    });
    y -= st.leading - st.size + st.after;
  });
  return pages;
}

/** The content stream of one page: one BT/ET block, Tf on font changes, relative Td moves. */
function contentStream(runs: readonly Run[]): string {
  const ops: string[] = ['BT'];
  let font: string | null = null;
  let cx = 0;
  let cy = 0;
  for (const run of runs) {
    const key = `${run.font} ${num(run.size)}`;
    if (key !== font) {
      ops.push(`/${run.font} ${num(run.size)} Tf`);
      font = key;
    }
    ops.push(`${num(run.x - cx)} ${num(run.y - cy)} Td`);
    ops.push(`${pdfString(run.bytes)} Tj`);
    cx = run.x;
    cy = run.y;
  }
  ops.push('ET');
  return ops.join('\n') + '\n';
}

/** The bytes of a complete PDF 1.4 file. */
export function buildPdf(source: PdfSource): Buffer {
  const pages = layout(source.blocks);
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 6 + 2 * i);
  objects[1] = `<< /Type /Catalog /Pages 2 0 R /Lang (${source.lang}) >>`;
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Title ${pdfTextString(source.title)} /Producer (Sobre scripts/build-corpus-pdf.ts) >>`;
  pages.forEach((runs, i) => {
    const stream = contentStream(runs);
    objects[pageIds[i]] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] ` +
      `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageIds[i] + 1} 0 R >>`;
    objects[pageIds[i] + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`;
  });

  // Everything after the header is ASCII, so string length equals byte length.
  const header = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  let body = '';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = header.length + body.length;
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefOffset = header.length + body.length;
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) xref += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  const trailer = `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  if (/[^\x00-\x7f]/.test(body + xref + trailer)) throw new Error('PDF body must be ASCII');
  return Buffer.concat([header, Buffer.from(body + xref + trailer, 'latin1')]);
}

function findRoot(): string {
  const isRoot = (dir: string): boolean =>
    fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'corpus'));
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      if (isRoot(dir)) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return process.cwd();
}

function main(argv: readonly string[]): void {
  const root = argv[0] ? path.resolve(argv[0]) : findRoot();
  for (const source of SOURCES) {
    const out = path.join(root, source.file);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const pdf = buildPdf(source);
    fs.writeFileSync(out, pdf);
    console.log(`wrote ${path.relative(root, out)} (${pdf.length} bytes, ${layout(source.blocks).length} page(s))`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
