//! A TCP forwarder on a fixed loopback address: a server behind it can be
//! swapped for another (a simulator restarted with a different estate) or
//! taken away for a while (a database restart: live connections cut, new
//! ones refused), while clients keep the one address they were given.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::AbortHandle;

pub struct Front {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    target: Mutex<SocketAddr>,
    /// Forwarding tasks of the live connections.
    conns: Mutex<Vec<AbortHandle>>,
}

fn cut(conns: &mut Vec<AbortHandle>) {
    for c in conns.drain(..) {
        c.abort();
    }
}

impl Front {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            target: Mutex::new(target),
            conns: Mutex::new(Vec::new()),
        });
        let (up, rx) = watch::channel(true);
        let task = tokio::spawn(accept_loop(listener, addr, Arc::clone(&shared), rx));
        Self {
            addr,
            shared,
            up,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends new connections to `target`; live ones are cut, so no client
    /// keeps talking to the old server.
    pub fn switch(&self, target: SocketAddr) {
        let mut conns = self.shared.conns.lock().unwrap();
        *self.shared.target.lock().unwrap() = target;
        cut(&mut conns);
    }

    /// Cuts every live connection and refuses new ones (nothing listens)
    /// until [`Front::restore`].
    pub fn take_down(&self) {
        let mut conns = self.shared.conns.lock().unwrap();
        self.up.send_replace(false);
        cut(&mut conns);
    }

    /// Listens again on the same address.
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
        cut(&mut self.shared.conns.lock().unwrap());
    }
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    mut up: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    loop {
        if !*up.borrow_and_update() {
            // Down: the listening socket is closed, so connecting is refused.
            listener = None;
            if up.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match listener.take() {
            Some(l) => l,
            None => rebind(addr).await,
        };
        tokio::select! {
            accepted = l.accept() => {
                listener = Some(l);
                if let Ok((client, _)) = accepted {
                    // Under the lock `switch` and `take_down` hold: a
                    // connection accepted meanwhile never escapes them.
                    let mut conns = shared.conns.lock().unwrap();
                    if *up.borrow() {
                        let target = *shared.target.lock().unwrap();
                        conns.retain(|c| !c.is_finished());
                        conns.push(tokio::spawn(pipe(client, target)).abort_handle());
                    }
                }
            }
            changed = up.changed() => {
                if changed.is_err() {
                    return;
                }
                listener = Some(l);
            }
        }
    }
}

/// Binds `addr` again (the old socket may take a moment to go away).
async fn rebind(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("cannot listen on {addr} again");
}

async fn pipe(mut client: TcpStream, target: SocketAddr) {
    if let Ok(mut server) = TcpStream::connect(target).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
