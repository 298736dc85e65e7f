//! `merchantctl staff`: the accounts the merchant's people sign in to the
//! console with. Passwords come on standard input (one line), never as an
//! argument a process list would show.

use std::io::BufRead;
use std::process::ExitCode;

use clap::Subcommand;
use identity::staff::AuditEntry;
use identity::staff::{self, Role, StaffAccount};
use storage::{Database, DbStaff};

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add an account; its password is read from standard input.
    Create {
        login: String,
        /// admin, operator or picker.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        name: String,
        /// A picker's store (repeat for several).
        #[arg(long = "store")]
        stores: Vec<String>,
    },
    /// Every account with its role and stores.
    List,
    /// Stop an account from signing in.
    Disable { login: String },
    /// Let a disabled account sign in again.
    Enable { login: String },
    /// Set a new password (from standard input); lifts a lock-out.
    Password { login: String },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| "expected admin, operator or picker".to_owned())
}

fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn audit(db: &Database, action: &str, login: &str) -> Result<(), Box<dyn std::error::Error>> {
    let entry = AuditEntry {
        at: chrono::Utc::now(),
        login: "merchantctl".into(),
        action: action.into(),
        order_ref: None,
        detail: serde_json::json!({ "account": login }).to_string(),
    };
    Ok(DbStaff::audit(&mut *db.get()?, &entry)?)
}

pub fn run(command: &StaffCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    let refuse = |message: String| {
        eprintln!("{message}");
        Ok(ExitCode::FAILURE)
    };
    match command {
        StaffCommand::Create { login, role, name, stores } => {
            if let Err(e) = staff::check_account(login, *role, stores) {
                return refuse(e.to_string());
            }
            let known = storage::DbCatalogRepo::store_ids(&mut conn)?;
            if let Some(unknown) = stores.iter().find(|s| known.iter().all(|k| k.as_str() != s.as_str())) {
                return refuse(format!("no store {unknown}"));
            }
            let hash = match staff::hash_password(&read_password()?) {
                Ok(hash) => hash,
                Err(e) => return refuse(e.to_string()),
            };
            let account = StaffAccount {
                login: login.clone(),
                name: name.clone(),
                role: *role,
                stores: stores.clone(),
                disabled: false,
            };
            if !DbStaff::create(&mut conn, &account, &hash, chrono::Utc::now())? {
                return refuse(format!("the login {login} is taken"));
            }
            audit(db, "staff.create", login)?;
            println!("{login}: {} created", role.as_str());
        }
        StaffCommand::List => {
            println!("{:<20}  {:<9}  {:<8}  {:<24}  stores", "login", "role", "state", "name");
            for a in DbStaff::list(&mut conn)? {
                let state = if a.disabled { "disabled" } else { "active" };
                println!(
                    "{:<20}  {:<9}  {state:<8}  {:<24}  {}",
                    a.login,
                    a.role.as_str(),
                    a.name,
                    a.stores.join(",")
                );
            }
        }
        StaffCommand::Disable { login } | StaffCommand::Enable { login } => {
            let disable = matches!(command, StaffCommand::Disable { .. });
            if !DbStaff::set_disabled(&mut conn, login, disable)? {
                return refuse(format!("no account {login}"));
            }
            audit(db, if disable { "staff.disable" } else { "staff.enable" }, login)?;
            println!("{login}: {}", if disable { "disabled" } else { "enabled" });
        }
        StaffCommand::Password { login } => {
            let hash = match staff::hash_password(&read_password()?) {
                Ok(hash) => hash,
                Err(e) => return refuse(e.to_string()),
            };
            if !DbStaff::set_password(&mut conn, login, &hash)? {
                return refuse(format!("no account {login}"));
            }
            audit(db, "staff.password", login)?;
            println!("{login}: password set");
        }
    }
    Ok(ExitCode::SUCCESS)
}
