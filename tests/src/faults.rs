//! Dependencies a test can break on purpose (R-FAULTS): a PostgreSQL cluster of the test's own
//! to stop or freeze (the shared test cluster serves every other test), and a mail relay that
//! accepts connections and then says nothing, until told to pass them to a working sink; and
//! a TCP proxy in front of a server whose open connections can be cut at once.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use local_postgres::LocalPostgres;
use tokio::net::{TcpListener, TcpStream};

/// A PostgreSQL cluster for one test, removed when dropped.
pub struct OwnDatabase {
    cluster: LocalPostgres,
    /// The URL of its `confidant` database.
    pub url: String,
}

impl OwnDatabase {
    /// Makes and starts a cluster with an empty `confidant` database (the server migrates it).
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "confidant-fault-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let port = local_postgres::free_port().expect("a free port");
        let cluster = LocalPostgres::new(dir, port).unwrap_or_else(|error| panic!("{error}"));
        cluster
            .init_if_needed()
            .unwrap_or_else(|error| panic!("initdb: {error}"));
        cluster
            .start()
            .unwrap_or_else(|error| panic!("start the cluster: {error}"));
        cluster
            .remove_when_process_ends(std::process::id())
            .unwrap_or_else(|error| panic!("watch the cluster: {error}"));
        cluster
            .create_database_if_missing("confidant")
            .unwrap_or_else(|error| panic!("create the database: {error}"));
        Self {
            url: cluster.url("confidant"),
            cluster,
        }
    }

    /// Stops the server (fast shutdown: connections are cut).
    pub fn stop(&self) {
        self.cluster
            .stop()
            .unwrap_or_else(|error| panic!("stop the cluster: {error}"));
    }

    /// Starts it again.
    pub fn restart(&self) {
        self.cluster
            .start()
            .unwrap_or_else(|error| panic!("start the cluster again: {error}"));
    }

    /// Freezes every process of the cluster (SIGSTOP): connections stay open, the kernel
    /// still accepts new ones, and nothing answers.
    pub fn freeze(&self) {
        self.signal("STOP");
    }

    /// Lets the frozen cluster run on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("CONT");
    }

    fn signal(&self, signal: &str) {
        let pids = cluster_pids(self.cluster.data_dir());
        assert!(!pids.is_empty(), "the cluster's processes");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(pids.iter().map(u32::to_string))
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal}");
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        // A frozen cluster cannot stop; the watchdog removes the folder when the test binary
        // ends.
        self.thaw_quietly();
        drop(self.cluster.stop());
    }
}

impl OwnDatabase {
    fn thaw_quietly(&self) {
        let pids = cluster_pids(self.cluster.data_dir());
        if !pids.is_empty() {
            drop(
                Command::new("kill")
                    .arg("-CONT")
                    .args(pids.iter().map(u32::to_string))
                    .status(),
            );
        }
    }
}

/// The postmaster (from `postmaster.pid`) and its children (from `/proc`).
fn cluster_pids(data_dir: &Path) -> Vec<u32> {
    let Some(postmaster) = std::fs::read_to_string(data_dir.join("postmaster.pid"))
        .ok()
        .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok())
    else {
        return Vec::new();
    };
    let mut pids = vec![postmaster];
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let parent = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| {
                // `pid (comm) state ppid …`; the name may hold spaces, so split after `)`.
                let after = stat.rsplit_once(')')?.1.to_owned();
                after.split_whitespace().nth(1)?.parse::<u32>().ok()
            });
        if parent == Some(postmaster) {
            pids.push(pid);
        }
    }
    pids
}

/// A mail relay on loopback that accepts connections and never says a word, until
/// [`SilentRelay::pass_to`] makes it forward new connections to a working server.
pub struct SilentRelay {
    address: SocketAddr,
    forward_to: Arc<std::sync::Mutex<Option<SocketAddr>>>,
    task: tokio::task::JoinHandle<()>,
    held: Arc<AtomicBool>,
}

impl SilentRelay {
    /// Starts it on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("its address");
        let forward_to: Arc<std::sync::Mutex<Option<SocketAddr>>> = Arc::default();
        let held = Arc::new(AtomicBool::new(false));
        let (target, flag) = (Arc::clone(&forward_to), Arc::clone(&held));
        let task = tokio::spawn(async move {
            let mut silent = Vec::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let forward = *target.lock().expect("the relay's lock");
                match forward {
                    Some(server) => {
                        tokio::spawn(async move {
                            if let Ok(mut upstream) = TcpStream::connect(server).await {
                                let _ended =
                                    tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                            }
                        });
                    }
                    None => {
                        flag.store(true, Ordering::SeqCst);
                        // Kept open, never written to.
                        silent.push(client);
                    }
                }
            }
        });
        Self {
            address,
            forward_to,
            task,
            held,
        }
    }

    /// True once a connection was accepted and held silent.
    pub fn has_held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// From now on, new connections are passed to `server`.
    pub fn pass_to(&self, server: SocketAddr) {
        *self.forward_to.lock().expect("the relay's lock") = Some(server);
    }
}

impl Drop for SilentRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A TCP proxy on loopback in front of a server. [`CuttableProxy::cut`] closes every
/// connection it carries at once, as a network blip, a sleeping laptop or a load balancer that
/// times out long-lived connections would; new connections pass as before.
pub struct CuttableProxy {
    address: SocketAddr,
    carried: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    /// Starts it on a free port, passing connections to `server`.
    pub async fn start(server: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("its address");
        let carried: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let list = Arc::clone(&carried);
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut upstream) = TcpStream::connect(server).await {
                        let _ended =
                            tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
                let mut list = list.lock().expect("the proxy's lock");
                list.retain(|handle| !handle.is_finished());
                list.push(connection.abort_handle());
            }
        });
        Self {
            address,
            carried,
            task,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Closes every connection carried now (both ends see it closed).
    pub fn cut(&self) {
        for connection in self.carried.lock().expect("the proxy's lock").drain(..) {
            connection.abort();
        }
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}
