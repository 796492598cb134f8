/**
 * vision/ — the trusted host-side image primitives generated capabilities reach through the SDK: decoding,
 * regions, colour naming, shapes, OCR, descriptions, screen sources, actuators, and synthetic scenes with
 * ground truth for tests. Everything else in this folder is private.
 */
export {
  decodeImage,
  pngSize,
  loadImageFile,
  encodePng,
  cropImage,
  clampRect,
  assertImage,
  DEFAULT_MAX_PIXELS,
  loadSharp,
} from './image-io.js';
export type { RgbaImage, DecodeOptions } from './image-io.js';
export { nameColor, rgbToHsv, colorMask, colors } from './color-naming.js';
export type { ColorShare } from './color-naming.js';
export { detectRegions, resolveRegion, layoutOf, REGION_FALLBACKS } from './regions.js';
export type { DetectedRegions } from './regions.js';
export { findShapes, DEFAULT_MIN_AREA } from './shapes.js';
export type { FindShapesOptions } from './shapes.js';
export { loadOpenCv } from './opencv.js';
export { describe } from './describe.js';
export {
  detectElements,
  filterElements,
  setElementCacheScreens,
  clearElementCache,
  ELEMENT_CACHE_DEFAULT_SCREENS,
} from './elements/detect-elements.js';
export type { ScreenDescription } from './describe.js';
export {
  readText,
  textReader,
  textPieces,
  readTextPieces,
  closeOcr,
  holdOcr,
  ocrWorkers,
  setOcrIdleMs,
  warmOcr,
  setOcrMemoPieces,
  clearOcrMemo,
  OCR_MEMO_DEFAULT_PIECES,
  OCR_IDLE_DEFAULT_MS,
  OCR_LANG_PATH,
  OCR_MAX_WORKERS,
} from './ocr.js';
export { findText, textFinder } from './find-text.js';
export { greyOf } from './text-lines.js';
export type { OcrResult, OcrWord } from './ocr.js';
export { FileScreenSource, SceneScreenSource, StaticScreenSource } from './screen-source.js';
export type { ScreenSource } from './screen-source.js';
export { RecordingActuator } from './actuator.js';
export type { Actuator, PerformedAction } from './actuator.js';
export { X11ScreenSource, X11Actuator, probeDisplay, findExecutable } from './x11.js';
export type { Availability, X11Options, X11ScreenOptions, X11ActuatorOptions } from './x11.js';
export { decodeXwd } from './xwd.js';
export { renderScene, PALETTE, THEMES } from './scene-renderer.js';
export type { RenderedScene } from './scene-renderer.js';
export { parseSceneSpec, sceneRegions, SceneSpecSchema, LAYOUT_REGIONS } from './scene-spec.js';
export type { SceneSpec, ParsedScene, SceneElement, SceneElementSpec, LayoutRegion } from './scene-spec.js';
export { randomScene, countScene, emptyScene, SCENE_COLORS } from './scene-generators.js';
export type { RandomSceneOptions, CountSceneRequest } from './scene-generators.js';
export { FONT_FILE, FONT_FAMILY } from './font-metrics.js';
