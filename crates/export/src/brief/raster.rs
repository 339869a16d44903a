//! Charts drawn as pictures for Word, which takes PNG: the SVG rasterised by resvg with the
//! machine's fonts (the CJK ones from Debian's fonts-noto-cjk).

use std::sync::{Arc, LazyLock};

static FONTS: LazyLock<Arc<resvg::usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_system_fonts();
    db.set_sans_serif_family("Noto Sans CJK SC");
    Arc::new(db)
});

/// The SVG as a PNG `scale` times its size, with its size in pixels at scale 1; `None` when
/// the SVG cannot be read.
pub fn png(svg: &str, scale: f32) -> Option<(Vec<u8>, u32, u32)> {
    let opt = resvg::usvg::Options {
        fontdb: FONTS.clone(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &opt).ok()?;
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new((w * scale).ceil() as u32, (h * scale).ceil() as u32)?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Some((pixmap.encode_png().ok()?, w.ceil() as u32, h.ceil() as u32))
}
