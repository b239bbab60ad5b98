import { loadPdfjs, pdfjsParameters } from '../extract/pdf.js';

/**
 * A region of a PDF page as a PNG, with cells outlined: what `trace --png`
 * writes. pdfjs renders the page onto an @napi-rs/canvas canvas (a prebuilt
 * binary from npm, nothing fetched at run time).
 */

/** [x0, y0, x1, y1] in points on the page as rendered at scale 1, y down (SourceRef.box). */
export type Box = [number, number, number, number];

/** Pixels per point: 144 dpi, legible for the small print of budget tables. */
export const PNG_SCALE = 2;

export interface PageImage {
  png: Buffer;
  width: number;
  height: number;
  /** The page region shown, in points. */
  region: Box;
}

/** The smallest box holding all the boxes given. */
export function unionBox(boxes: Box[]): Box {
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

/** A box grown by a margin on every side, kept on the page. */
export function padBox(box: Box, margin: number, pageWidth: number, pageHeight: number): Box {
  return [Math.max(0, box[0] - margin), Math.max(0, box[1] - margin), Math.min(pageWidth, box[2] + margin), Math.min(pageHeight, box[3] + margin)];
}

/**
 * Renders `region` (or, when it is undefined, the whole page) of page
 * `pageNo` and outlines `outlined` in red.
 * `region` is given as a function of the page's size, which is known only once the page is open.
 */
export async function renderRegion(
  bytes: Uint8Array,
  pageNo: number,
  outlined: Box[],
  region: (pageWidth: number, pageHeight: number) => Box,
  scale = PNG_SCALE,
): Promise<PageImage> {
  const [pdfjs, { createCanvas }] = await Promise.all([loadPdfjs(), import('@napi-rs/canvas')]);
  // drawing is lenient: what pdfjs can draw of a damaged page is drawn
  const task = pdfjs.getDocument(pdfjsParameters(bytes, { stopAtErrors: false }));
  try {
    const doc = await task.promise;
    const page = await doc.getPage(pageNo);
    const whole = page.getViewport({ scale: 1 });
    const shown = region(whole.width, whole.height);
    const width = Math.max(1, Math.ceil((shown[2] - shown[0]) * scale));
    const height = Math.max(1, Math.ceil((shown[3] - shown[1]) * scale));
    // the viewport shifted so that the region's top left is the canvas's origin; pdfjs clips the rest
    const viewport = page.getViewport({ scale, offsetX: -shown[0] * scale, offsetY: -shown[1] * scale });
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({
      canvas: canvas as never,
      canvasContext: context as never,
      viewport,
    }).promise;
    context.strokeStyle = '#e00000';
    context.lineWidth = 2;
    // on whole pixels, so that the outline is solid red rather than blended with the page
    const px = (v: number, origin: number) => Math.round((v - origin) * scale);
    for (const b of outlined) {
      const [x0, y0, x1, y1] = [px(b[0], shown[0]), px(b[1], shown[1]), px(b[2], shown[0]), px(b[3], shown[1])];
      context.strokeRect(x0, y0, x1 - x0, y1 - y0);
    }
    const png = await canvas.encode('png');
    page.cleanup();
    return { png, width, height, region: shown };
  } finally {
    await task.destroy().catch(() => {});
  }
}
