//! The three wire protocols: OpenAI-compatible moderation, Llama Guard over a
//! chat endpoint (Ollama or OpenAI-compatible), and a JSON webhook.
//!
//! Each turns a response into `(category, score)` pairs. This module must
//! never log the text or the key.

use moderato_core::ContentItem;
use moderato_core::policy::{ExternalClassifier, ExternalKind};
use serde_json::{Value, json};

use crate::{CallError, category_word};

pub(crate) async fn call(
    client: &reqwest::Client,
    config: &ExternalClassifier,
    item: &ContentItem,
) -> Result<Vec<(String, f64)>, CallError> {
    let body = match config.kind {
        ExternalKind::OpenaiModeration => {
            json!({"model": config.model.clone().unwrap_or_else(|| "omni-moderation-latest".into()), "input": item.text})
        }
        ExternalKind::LlamaGuard => json!({
            "model": config.model.clone().unwrap_or_else(|| "llama-guard3".into()),
            "messages": [{"role": "user", "content": llama_guard_prompt(config, &item.text)}],
            "stream": false,
            "temperature": 0,
        }),
        ExternalKind::Webhook => {
            json!({"id": item.id, "text": item.text, "lang": item.lang, "kind": item.kind.as_str()})
        }
    };
    let mut request = client.post(&config.url).json(&body);
    if let Some(variable) = &config.api_key_env {
        let key = std::env::var(variable).map_err(|_| CallError::MissingKey(variable.clone()))?;
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|error| {
        if error.is_timeout() {
            CallError::Timeout(config.timeout_ms)
        } else {
            CallError::Unreachable(error.without_url().to_string())
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(CallError::Status(status.as_u16()));
    }
    let value: Value = response
        .json()
        .await
        .map_err(|error| CallError::Parse(error.without_url().to_string()))?;
    match config.kind {
        ExternalKind::OpenaiModeration => parse_openai(&value),
        ExternalKind::LlamaGuard => parse_llama_guard(config, &value),
        ExternalKind::Webhook => parse_webhook(&value),
    }
}

/// The prompt lists the pack's categories as S1, S2, … in the Llama Guard format.
pub(crate) fn llama_guard_prompt(config: &ExternalClassifier, text: &str) -> String {
    let categories: Vec<String> = config
        .categories
        .iter()
        .enumerate()
        .map(|(index, category)| format!("S{}: {}.", index + 1, category.replace('_', " ")))
        .collect();
    format!(
        "Task: Check if there is unsafe content in 'User' messages in conversations according to our safety policy with the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n{}\n<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\nUser: {}\n\n<END CONVERSATION>\n\nProvide your safety assessment for ONLY THE LAST User message in the above conversation:\n- First line must read 'safe' or 'unsafe'.\n- If unsafe, a second line must include a comma-separated list of violated categories.",
        categories.join("\n"),
        text
    )
}

fn parse_openai(value: &Value) -> Result<Vec<(String, f64)>, CallError> {
    let scores = value["results"][0]["category_scores"]
        .as_object()
        .ok_or_else(|| CallError::Parse("no results[0].category_scores".into()))?;
    Ok(scores
        .iter()
        .filter_map(|(name, score)| score.as_f64().map(|score| (category_word(name), score)))
        .collect())
}

fn parse_llama_guard(
    config: &ExternalClassifier,
    value: &Value,
) -> Result<Vec<(String, f64)>, CallError> {
    let content = value["message"]["content"]
        .as_str()
        .or_else(|| value["choices"][0]["message"]["content"].as_str())
        .ok_or_else(|| CallError::Parse("no message content".into()))?;
    let mut lines = content.trim().lines().map(str::trim);
    let verdict = lines.next().unwrap_or_default().to_ascii_lowercase();
    let mut flagged = vec![0.0; config.categories.len()];
    match verdict.as_str() {
        "safe" => {}
        "unsafe" => {
            let codes = lines.next().unwrap_or_default();
            for code in codes
                .split(',')
                .map(str::trim)
                .filter(|code| !code.is_empty())
            {
                let index = code
                    .trim_start_matches(['S', 's'])
                    .parse::<usize>()
                    .ok()
                    .and_then(|number| number.checked_sub(1))
                    .filter(|index| *index < flagged.len())
                    .ok_or_else(|| CallError::Parse(format!("unknown category code `{code}`")))?;
                flagged[index] = 1.0;
            }
        }
        other => {
            return Err(CallError::Parse(format!(
                "verdict `{other}` is neither safe nor unsafe"
            )));
        }
    }
    Ok(config.categories.iter().cloned().zip(flagged).collect())
}

fn parse_webhook(value: &Value) -> Result<Vec<(String, f64)>, CallError> {
    let scores = value["scores"]
        .as_object()
        .ok_or_else(|| CallError::Parse("no `scores` object".into()))?;
    scores
        .iter()
        .map(|(name, score)| {
            let score = score
                .as_f64()
                .ok_or_else(|| CallError::Parse(format!("score of `{name}` is not a number")))?;
            if !(0.0..=1.0).contains(&score) {
                return Err(CallError::Parse(format!(
                    "score of `{name}` is outside 0..1"
                )));
            }
            Ok((category_word(name), score))
        })
        .collect()
}
