//! Submits applications to a running Madoguchi over keep-alive HTTP/1.1 connections, one
//! request in flight per connection, and prints throughput and latency percentiles.
//! The HTTP client is a few lines over TCP so that the generator costs little CPU on the
//! same machine as the server. With `--ack-file`, the id of every acknowledged (201)
//! submission is written out, for the crash test to check against the database.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser, Clone)]
#[command(about = "Submit applications to Madoguchi and measure throughput and latency")]
struct Args {
    /// host:port of the server.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Concurrent clients (connections).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds to measure (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of warm-up, not counted.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Write the ids of acknowledged submissions here, one per line.
    #[arg(long)]
    ack_file: Option<std::path::PathBuf>,
    /// Keep going when the server goes away (crash test) instead of failing.
    #[arg(long)]
    tolerate_errors: bool,
}

/// A 区政へのご意見 (demo procedure `kusei-iken`, no sign-in) with a reply by e-mail: a
/// representative mix of choice, text, name with furigana, e-mail and a condition.
fn body(n: u64) -> String {
    serde_json::json!({
        "procedure_id": "kusei-iken",
        "answers": {
            "topic": "town",
            "subject": format!("公園のベンチについて {n}"),
            "message": "桜ヶ丘公園のベンチが壊れています。修理をお願いします。",
            "wants_reply": true,
            "reply_method": "email",
            "contact_name": {"family": "山田", "given": "太郎", "family_kana": "やまだ", "given_kana": "たろう"},
            "contact_email": "yamada@example.jp",
            "residence": "resident",
            "age_group": "age_40s",
            "consent": true
        }
    })
    .to_string()
}

struct Outcome {
    latencies_us: Vec<u32>,
    accepted: u64,
    errors: u64,
    acks: Vec<String>,
}

async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(u16, Vec<u8>)> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).context("response head is not UTF-8")?;
            let status: u16 = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .context("no status")?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .map(|(_, v)| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            let start = end + 4;
            while buf.len() < start + len {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    bail!("connection closed mid-body");
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok((status, buf[start..start + len].to_vec()));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn client(
    args: Args,
    worker: usize,
    measure_from: Instant,
    stop_at: Instant,
) -> Result<Outcome> {
    let mut out = Outcome {
        latencies_us: Vec::new(),
        accepted: 0,
        errors: 0,
        acks: Vec::new(),
    };
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut n: u64 = 0;
    while Instant::now() < stop_at {
        n += 1;
        if stream.is_none() {
            match TcpStream::connect(&args.addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(e) => {
                    if !args.tolerate_errors {
                        return Err(e).context("cannot connect");
                    }
                    out.errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
        }
        let Some(s) = stream.as_mut() else { continue };
        let payload = body(n);
        let req = format!(
            "POST /api/v1/applications HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nIdempotency-Key: load-{worker}-{n}-{}\r\nContent-Length: {}\r\n\r\n{payload}",
            args.addr,
            std::process::id(),
            payload.len()
        );
        let started = Instant::now();
        let result = async {
            s.write_all(req.as_bytes()).await?;
            read_response(s, &mut buf).await
        }
        .await;
        let elapsed = started.elapsed();
        match result {
            Ok((201, body)) => {
                if started >= measure_from {
                    out.accepted += 1;
                    out.latencies_us
                        .push(elapsed.as_micros().min(u32::MAX as u128) as u32);
                }
                if args.ack_file.is_some()
                    && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
                    && let Some(id) = v["id"].as_str()
                {
                    out.acks.push(id.to_string());
                }
            }
            Ok((status, body)) => {
                out.errors += 1;
                if !args.tolerate_errors {
                    bail!(
                        "unexpected status {status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                }
            }
            Err(e) => {
                out.errors += 1;
                stream = None;
                if !args.tolerate_errors {
                    return Err(e);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    Ok(out)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let stop_at = measure_from + Duration::from_secs_f64(args.duration);
    let handles: Vec<_> = (0..args.concurrency)
        .map(|w| tokio::spawn(client(args.clone(), w, measure_from, stop_at)))
        .collect();
    let mut all = Outcome {
        latencies_us: Vec::new(),
        accepted: 0,
        errors: 0,
        acks: Vec::new(),
    };
    for h in handles {
        let o = h.await.context("worker panicked")??;
        all.accepted += o.accepted;
        all.errors += o.errors;
        all.latencies_us.extend(o.latencies_us);
        all.acks.extend(o.acks);
    }
    all.latencies_us.sort_unstable();
    let secs = args.duration;
    println!(
        "concurrency={} duration={:.1}s accepted={} throughput={:.0}/s errors={} latency_ms p50={:.2} p90={:.2} p99={:.2} max={:.2}",
        args.concurrency,
        secs,
        all.accepted,
        all.accepted as f64 / secs,
        all.errors,
        percentile(&all.latencies_us, 0.50),
        percentile(&all.latencies_us, 0.90),
        percentile(&all.latencies_us, 0.99),
        percentile(&all.latencies_us, 1.0)
    );
    if let Some(path) = &args.ack_file {
        let mut f = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for id in &all.acks {
            writeln!(f, "{id}")?;
        }
        println!(
            "wrote {} acknowledged ids to {}",
            all.acks.len(),
            path.display()
        );
    }
    Ok(())
}
