/**
 * The password store in temporary folders: where it lives, the modes of its folder and files,
 * one file per auction house and user, and what it says when it may not be used.
 */
import assert from "node:assert/strict";
import {
  FilePasswordStore,
  generatePassword,
  openPasswordStore,
  type PasswordStoreEnvironment,
  storeFolder,
} from "../../client/password_store.ts";

async function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "password-store-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function environment(
  variables: Record<string, string>,
  granted: (descriptor: Deno.PermissionDescriptor) => boolean = () => true,
): PasswordStoreEnvironment {
  return { env: (name) => variables[name], granted };
}

Deno.test("storeFolder() uses XDG_CONFIG_HOME when it is absolute, else HOME/.config", () => {
  const env = (variables: Record<string, string>) => (name: string) => variables[name];
  assert.equal(
    storeFolder(env({ XDG_CONFIG_HOME: "/x/conf/", HOME: "/home/ann" })),
    "/x/conf/auction-client",
  );
  assert.equal(storeFolder(env({ HOME: "/home/ann" })), "/home/ann/.config/auction-client");
  // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
  assert.equal(
    storeFolder(env({ XDG_CONFIG_HOME: "conf", HOME: "/home/ann" })),
    "/home/ann/.config/auction-client",
  );
  assert.equal(storeFolder(env({})), undefined);
});

Deno.test("generatePassword() makes 24 URL-safe characters, different each time", () => {
  const passwords = new Set(Array.from({ length: 50 }, generatePassword));
  assert.equal(passwords.size, 50);
  for (const password of passwords) assert.match(password, /^[A-Za-z0-9_-]{24}$/);
});

Deno.test("a saved password is read back, per auction house and user, in a 0700 folder and 0600 files", async () => {
  await withTempDir(async (dir) => {
    const folder = `${dir}/conf/auction-client`;
    const store = new FilePasswordStore(folder);
    assert.equal(await store.get("127.0.0.1:5000", "ann"), undefined);

    const file = await store.save("127.0.0.1:5000", "ann", "first-secret");
    await store.save("127.0.0.1:6000", "ann", "other-house");
    await store.save("127.0.0.1:5000", "bob", "bobs-secret");
    await store.save("[::1]:5000", "ann", "v6-secret");

    assert.equal(await store.get("127.0.0.1:5000", "ann"), "first-secret");
    // User names are unique regardless of case, so is their password.
    assert.equal(await store.get("127.0.0.1:5000", "ANN"), "first-secret");
    assert.equal(await store.get("127.0.0.1:6000", "ann"), "other-house");
    assert.equal(await store.get("127.0.0.1:5000", "bob"), "bobs-secret");
    assert.equal(await store.get("[::1]:5000", "ann"), "v6-secret");
    assert.equal(file, `${folder}/127.0.0.1_5000_ann.json`);

    assert.equal((await Deno.stat(folder)).mode! & 0o777, 0o700);
    const names = [];
    for await (const entry of Deno.readDir(folder)) {
      names.push(entry.name);
      assert.equal((await Deno.stat(`${folder}/${entry.name}`)).mode! & 0o777, 0o600, entry.name);
    }
    // No temporary file is left behind.
    assert.equal(names.length, 4);

    // Saving again replaces; removing forgets.
    await store.save("127.0.0.1:5000", "ann", "second-secret");
    assert.equal(await store.get("127.0.0.1:5000", "ann"), "second-secret");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    await store.remove("127.0.0.1:5000", "ann");
    assert.equal(await store.get("127.0.0.1:5000", "ann"), undefined);
    await store.remove("127.0.0.1:5000", "ann");
  });
});

Deno.test("an existing folder open to others is tightened to 0700 when a password is saved", async () => {
  await withTempDir(async (dir) => {
    const folder = `${dir}/auction-client`;
    await Deno.mkdir(folder, { mode: 0o755 });
    await Deno.chmod(folder, 0o755);
    await new FilePasswordStore(folder).save("h:1", "ann", "secret");
    assert.equal((await Deno.stat(folder)).mode! & 0o777, 0o700);
  });
});

Deno.test("openPasswordStore() says which permissions are missing, and never prompts", async (t) => {
  await t.step("no env permission", () => {
    const access = openPasswordStore(
      environment({ HOME: "/home/ann" }, (descriptor) => descriptor.name !== "env"),
    );
    assert.equal(access.available, false);
    assert.match(
      access.available ? "" : access.reason,
      /--allow-env=XDG_CONFIG_HOME,HOME --allow-read=\$\{XDG_CONFIG_HOME:-\$HOME\/\.config\}\/auction-client --allow-write=/,
    );
  });
  await t.step("no read or write permission on the folder", () => {
    const access = openPasswordStore(
      environment({ HOME: "/home/ann" }, (descriptor) => descriptor.name === "env"),
    );
    assert.equal(access.available, false);
    assert.equal(
      access.available ? "" : access.reason,
      "it may not use /home/ann/.config/auction-client (run it with " +
        "--allow-env=XDG_CONFIG_HOME,HOME --allow-read=/home/ann/.config/auction-client " +
        "--allow-write=/home/ann/.config/auction-client)",
    );
  });
  await t.step("no HOME", () => {
    const access = openPasswordStore(environment({}));
    assert.deepEqual(access, {
      available: false,
      reason: "neither XDG_CONFIG_HOME nor HOME is set",
    });
  });
  await t.step("everything granted", () => {
    const asked: Deno.PermissionDescriptor[] = [];
    const access = openPasswordStore(
      environment({ XDG_CONFIG_HOME: "/x" }, (descriptor) => (asked.push(descriptor), true)),
    );
    assert.equal(access.available && access.store.folder, "/x/auction-client");
    assert.deepEqual(asked, [
      { name: "env", variable: "XDG_CONFIG_HOME" },
      { name: "env", variable: "HOME" },
      { name: "read", path: "/x/auction-client" },
      { name: "write", path: "/x/auction-client" },
    ]);
  });
});

Deno.test({
  name: "openPasswordStore() without env permission is unavailable, with no prompt",
  permissions: { env: false, read: false, write: false },
  fn() {
    const access = openPasswordStore();
    assert.equal(access.available, false);
    assert.match(access.available ? "" : access.reason, /--allow-env=XDG_CONFIG_HOME,HOME/);
  },
});

Deno.test("create() keeps a password only when none is kept, and remove(only) spares another one", async () => {
  await withTempDir(async (dir) => {
    const folder = `${dir}/auction-client`;
    const store = new FilePasswordStore(folder);
    const file = await store.create("h:1", "ann", "first");
    assert.equal(file, `${folder}/h_1_ann.json`);
    assert.equal((await Deno.stat(file!)).mode! & 0o777, 0o600);
    // A second client making one up at the same moment finds the first one there.
    assert.equal(await store.create("h:1", "ann", "second"), undefined);
    assert.equal(await store.get("h:1", "ann"), "first");
    await store.remove("h:1", "ann", "second");
    assert.equal(await store.get("h:1", "ann"), "first");
    await store.remove("h:1", "ann", "first");
    assert.equal(await store.get("h:1", "ann"), undefined);
    // No temporary file is left behind.
    assert.deepEqual(await Array.fromAsync(Deno.readDir(folder)), []);
  });
});
