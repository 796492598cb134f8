import type { DecodeOptions, RgbaImage } from './image-io.js';
import { decodeImage, loadImageFile } from './image-io.js';
import { renderScene } from './scene-renderer.js';
import type { SceneSpec } from './scene-spec.js';

/** Where screens come from: a screenshot tool, a file, a synthetic scene. */
export interface ScreenSource {
  readonly name: string;
  /** The current screen. Callers must treat the image as immutable (results are cached per image object). */
  capture(): Promise<RgbaImage>;
}

/** Reads an image file on every capture, so a file rewritten by a screenshot tool is picked up. */
export class FileScreenSource implements ScreenSource {
  readonly name: string;
  constructor(
    private readonly path: string,
    private readonly options: DecodeOptions = {},
  ) {
    this.name = `file:${path}`;
  }

  capture(): Promise<RgbaImage> {
    return loadImageFile(this.path, this.options);
  }
}

/** A synthetic scene (docs/scenes.md), rendered on first capture and then reused. */
export class SceneScreenSource implements ScreenSource {
  readonly name = 'scene';
  private rendered: Promise<RgbaImage> | undefined;
  constructor(private readonly spec: SceneSpec) {}

  capture(): Promise<RgbaImage> {
    this.rendered ??= renderScene(this.spec).then((r) => decodeImage(r.png));
    this.rendered.catch(() => (this.rendered = undefined));
    return this.rendered;
  }
}

/** Always the same image: the in-memory source and test double. */
export class StaticScreenSource implements ScreenSource {
  readonly name = 'static';
  constructor(private readonly image: RgbaImage) {}

  async capture(): Promise<RgbaImage> {
    return this.image;
  }
}
