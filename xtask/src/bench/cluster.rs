//! A PostgreSQL cluster of the chaos run's own: `initdb` in a scratch
//! folder, on its own loopback port, stopped and started at will — never
//! the machine's shared server that tests use. Removed when dropped.

use std::path::PathBuf;
use std::process::Command;

use crate::Result;

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
    /// Run as `postgres` (we are root, and PostgreSQL refuses root).
    as_postgres: bool,
}

/// A loopback port nobody listens on now.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where `initdb` and `pg_ctl` are: `pg_config --bindir`, else Debian's
/// newest `/usr/lib/postgresql/N/bin`.
fn bin_dir() -> Result<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "PostgreSQL server binaries are not installed (initdb, pg_ctl)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().ok_or_else(|| "initdb not found under /usr/lib/postgresql".into())
}

impl Cluster {
    /// `initdb` in a new folder under the system's temporary directory
    /// and a start on a free port.
    pub fn create() -> Result<Cluster> {
        let dir = std::env::temp_dir().join(format!("merchant-chaos-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let uid = Command::new("id").arg("-u").output()?;
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres && !Command::new("chown").args(["postgres:postgres"]).arg(&dir).status()?.success() {
            return Err("cannot give the scratch folder to the postgres user".into());
        }
        let cluster = Cluster { bin: bin_dir()?, port: free_port()?, dir, as_postgres };
        let data = cluster.dir.join("data");
        let init = cluster
            .run("initdb", &["-D", &data.to_string_lossy(), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
            .output()?;
        if !init.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&init.stderr)).into());
        }
        cluster.start()?;
        Ok(cluster)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).current_dir(&self.dir);
        command
    }

    fn pg_ctl(&self, args: &[&str]) -> Result {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let mut all = vec!["-D", &data, "-w", "-t", "60"];
        all.extend_from_slice(args);
        let out = self.run("pg_ctl", &all).output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("pg_ctl {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)).into())
        }
    }

    pub fn start(&self) -> Result {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").to_string_lossy().into_owned();
        self.pg_ctl(&["-l", &log, "-o", &options, "start"])
    }

    /// A fast shutdown: every connection is cut.
    pub fn stop(&self) -> Result {
        self.pg_ctl(&["-m", "fast", "stop"])
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
