//! Criterion benchmarks of one decision with the default pack (parse + detect + evaluate),
//! and of the built-in model's detector alone (its share of a decision).
#![allow(clippy::unwrap_used)]

// The same allocator as the `moderato` binary, so the figures match what it does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use moderato_engine::Engine;
use std::hint::black_box;

fn decisions(criterion: &mut Criterion) {
    let engine = Engine::with_default_policy().unwrap();
    let ordinary = r#"{"id":"b1","text":"Lovely morning for a walk by the river, the ducks are back. Does anyone know a good bakery near the station?","author":{"followers":350}}"#;
    let harmful = r#"{"id":"b2","text":"These THUGS are dishonoring the memory of George Floyd. Any difficulty and we will assume control but, when the looting starts, the shooting starts!","author":{"followers":80000000,"verified":true,"public_role":"head_of_state"},"metrics":{"views":5000000,"velocity_per_hour":200000}}"#;
    for (name, json) in [("ordinary", ordinary), ("public_interest", harmful)] {
        criterion.bench_function(&format!("decide/{name}"), |bencher| {
            bencher.iter(|| {
                let item = engine.parse(black_box(json)).unwrap();
                black_box(engine.decide_with(&item, "bench", "2026-01-01T00:00:00Z"))
            })
        });
    }
    // The built-in model's share of a decision: its detector alone on both texts.
    let model = moderato_model::ModelDetector::new(moderato_engine::builtin_model().unwrap());
    for (name, json) in [("ordinary", ordinary), ("public_interest", harmful)] {
        let item = engine.parse(json).unwrap();
        let normalized = moderato_detect::normalize(&item.text);
        criterion.bench_function(&format!("model_detect_only/{name}"), |bencher| {
            bencher.iter(|| {
                black_box(moderato_detect::Detector::detect(
                    &model,
                    black_box(&item.text),
                    &normalized,
                ))
            })
        });
    }
    let item = engine.parse(harmful).unwrap();
    criterion.bench_function("detect_only/public_interest", |bencher| {
        bencher.iter(|| black_box(engine.detect(black_box(&item))))
    });
    let signals = engine.detect(&item);
    criterion.bench_function("evaluate_only/public_interest", |bencher| {
        bencher.iter(|| {
            black_box(moderato_core::evaluate(
                engine.policy(),
                moderato_core::EvaluationInput {
                    item: &item,
                    signals: &signals,
                    decision_id: "bench",
                    decided_at: "2026-01-01T00:00:00Z",
                },
            ))
        })
    });
}

criterion_group!(benches, decisions);
criterion_main!(benches);
