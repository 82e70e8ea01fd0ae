import { defineConfig } from 'vite';

// Served by the service at /console/ from the jar. The Maven build runs `npm run build -- --outDir …` from
// target/console and writes the bundle into target/classes/static/console (adr/0025). Everything is bundled: the page
// loads nothing from anywhere but the service.
export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  // `npx vite` for live reload while the service runs locally on 8080
  server: {
    proxy: { '/api': 'http://localhost:8080' },
  },
});
