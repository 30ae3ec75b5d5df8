//! Where the CPU went during a load, read from `/proc`: the server's threads (its actix
//! workers, which also drive their database connections), PostgreSQL's processes, and the
//! rest of this process (the load generator, or the limit's replay client).
//!
//! Everything here shares the machine's cores, so a call's rate under load is bounded by
//! the sum of what it costs the three. Per call, the split shows what the server itself
//! would have to shed for the API to come within a given ratio of the limit.

/// Linux reports process times in units of `USER_HZ`, which is 100 on every architecture
/// the kernel supports for `/proc` (`sysconf(_SC_CLK_TCK)`).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time used so far, in ticks.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes {
    server: u64,
    database: u64,
    client: u64,
}

impl CpuTimes {
    /// The times now.
    pub fn now() -> Self {
        let mut times = Self::default();
        for (name, ticks) in tasks("/proc/self/task") {
            if name.starts_with("actix-server") {
                times.server += ticks;
            } else {
                times.client += ticks;
            }
        }
        times.database = tasks("/proc")
            .filter(|(name, _)| name == "postgres")
            .map(|(_, ticks)| ticks)
            .sum();
        times
    }

    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            server: self.server.saturating_sub(earlier.server),
            database: self.database.saturating_sub(earlier.database),
            client: self.client.saturating_sub(earlier.client),
        }
    }

    /// Per call, in microseconds: "server … + PostgreSQL … + `client` … = …" (the server's
    /// threads idle while the limit runs: about 0 there).
    pub fn per_call(&self, calls: usize, client: &str) -> String {
        let micros =
            |ticks: u64| ticks as f64 * 1e6 / TICKS_PER_SECOND as f64 / calls.max(1) as f64;
        let (server, database, rest) = (
            micros(self.server),
            micros(self.database),
            micros(self.client),
        );
        let total = server + database + rest;
        format!(
            "server {server:.0} + PostgreSQL {database:.0} + {client} {rest:.0} = {total:.0} µs"
        )
    }
}

/// The name and CPU ticks (user and system) of each process or thread under `dir`.
fn tasks(dir: &str) -> impl Iterator<Item = (String, u64)> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        // A process may end between the listing and the read: it is then left out.
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|stat| parse_stat(&stat))
}

/// `pid (name) state ppid … utime stime …`: the name may hold spaces and parentheses, so
/// the fields are counted from its last `)`; `utime` and `stime` are the 14th and 15th.
fn parse_stat(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some((name, user + system))
}
